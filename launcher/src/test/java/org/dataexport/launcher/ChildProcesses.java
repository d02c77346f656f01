package org.dataexport.launcher;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** JVMs of their own for the tests about processes: a launcher, or the job run as spark-submit runs it. */
final class ChildProcesses {
    private ChildProcesses() {
    }

    static int freePort() throws java.io.IOException {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** A Java command with Spark's JVM options and this test JVM's classpath. */
    static List<String> java(String... systemProperties) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g"));
        command.add("@" + Path.of("../conf/jvm.options").toAbsolutePath());
        command.addAll(List.of(systemProperties));
        command.addAll(List.of("-cp", System.getProperty("java.class.path")));
        return command;
    }

    /** Starts a launcher with this configuration (its log beside it) and waits until it answers. */
    static Process launcher(TestServer server, Path config, String url, String... systemProperties) throws Exception {
        List<String> command = java(systemProperties);
        command.addAll(List.of(Launcher.class.getName(), "--config", config.toString()));
        Process child = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(config.resolveSibling("launcher.log").toFile())).start();
        long deadline = System.currentTimeMillis() + 120_000;
        while (System.currentTimeMillis() < deadline && child.isAlive()) {
            try {
                if (server.call("GET", url, "/healthz", TestServer.TOKEN).status() == 200) {
                    return child;
                }
            } catch (IllegalStateException notYet) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        child.destroyForcibly();
        throw new AssertionError("the launcher did not start; see " + config.resolveSibling("launcher.log"));
    }

    /** The job's spark-submit entry point in local mode: {@code Main} with these arguments. */
    static Process sparkSubmit(Path log, String... args) throws Exception {
        List<String> command = java("-Dspark.master=local[2]", "-Dspark.ui.enabled=false", "-Dspark.driver.host=127.0.0.1",
                "-Dspark.driver.bindAddress=127.0.0.1");
        command.add(org.dataexport.job.Main.class.getName());
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }
}
