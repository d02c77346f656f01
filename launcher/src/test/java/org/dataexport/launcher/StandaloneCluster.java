package org.dataexport.launcher;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A real Spark standalone master and worker, started from the project's own jars: a SPARK_HOME made of
 * spark-dist's {@code target/jars} (Spark and Hadoop only, as a stock distribution) and its minimal
 * {@code bin/spark-submit}. Everything binds to 127.0.0.1.
 */
public final class StandaloneCluster implements AutoCloseable {
    private final Path sparkHome;
    private final String masterUrl;
    private final List<Process> processes;

    private StandaloneCluster(Path sparkHome, String masterUrl, List<Process> processes) {
        this.sparkHome = sparkHome;
        this.masterUrl = masterUrl;
        this.processes = processes;
    }

    /** @param root the project's root directory */
    public static StandaloneCluster start(Path root, Path workDir) throws Exception {
        Path sparkHome = workDir.resolve("spark-home");
        Files.createDirectories(sparkHome);
        Files.createSymbolicLink(sparkHome.resolve("jars"), root.resolve("spark-dist/target/jars"));
        Files.createSymbolicLink(sparkHome.resolve("bin"), root.resolve("spark-dist/bin"));
        int port = freePort();
        String masterUrl = "spark://127.0.0.1:" + port;
        List<Process> processes = new ArrayList<>();
        StandaloneCluster cluster = new StandaloneCluster(sparkHome, masterUrl, processes);
        try {
            Path masterLog = workDir.resolve("master.log");
            processes.add(java(root, sparkHome, masterLog, "org.apache.spark.deploy.master.Master",
                    "--host", "127.0.0.1", "--port", String.valueOf(port), "--webui-port", String.valueOf(freePort())));
            awaitLine(masterLog, "I have been elected leader", processes.get(0));
            Path workerLog = workDir.resolve("worker.log");
            // Two cores: in cluster deploy mode the driver takes one and the executor needs another.
            processes.add(java(root, sparkHome, workerLog, "org.apache.spark.deploy.worker.Worker",
                    "--host", "127.0.0.1", "--cores", "2", "--memory", "3g", "--webui-port", String.valueOf(freePort()),
                    "--work-dir", workDir.resolve("worker").toString(), masterUrl));
            awaitLine(workerLog, "Successfully registered with master", processes.get(1));
            return cluster;
        } catch (Exception | Error e) {
            cluster.close();
            throw e;
        }
    }

    public Path sparkHome() {
        return sparkHome;
    }

    public String masterUrl() {
        return masterUrl;
    }

    private static Process java(Path root, Path sparkHome, Path log, String mainClass, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "@" + root.resolve("conf/jvm.options"), "-cp", sparkHome.resolve("jars") + File.separator + "*", mainClass));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(Map.of("SPARK_HOME", sparkHome.toString(), "SPARK_SCALA_VERSION", "2.13",
                "SPARK_LOCAL_IP", "127.0.0.1"));
        return builder.start();
    }

    private static void awaitLine(Path log, String line, Process process) throws Exception {
        long deadline = System.nanoTime() + 90_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (Files.exists(log) && Files.readString(log).contains(line)) {
                return;
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("exited before \"" + line + "\":\n" + Files.readString(log));
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("no \"" + line + "\" in " + log + " after 90 s");
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() {
        for (int i = processes.size() - 1; i >= 0; i--) {
            processes.get(i).destroy();
        }
        for (Process process : processes) {
            try {
                if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
