package org.dataexport.launcher.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * How the figures hold as the data grows: bin/bench runs one JVM per scale factor, each appends its
 * cases to the file named by {@code -Dbench.results}, and this prints, per case and scale factor,
 * rows/s, peak resident memory, peak live heap and ours / DuckDB, then rows/s at SF 3 over SF 1 (goal: no fall of
 * more than 15%) and both peaks of the largest scale factor over SF 1
 * (goal: at most 1.2; the live heap is what the export holds, the RSS also what the collector kept).
 */
final class BenchSummary {
    private BenchSummary() {
    }

    private record Row(double scaleFactor, long rows, double seconds, long peakResidentBytes, long peakLiveBytes, double duckSeconds) {
        double rowsPerSecond() {
            return rows / seconds;
        }
    }

    static void append(double scaleFactor, String name, long rows, double seconds, PeakMemory.Peaks peaks, double duckSeconds)
            throws IOException {
        String file = System.getProperty("bench.results");
        if (file == null) {
            return;
        }
        Files.writeString(Path.of(file), String.format(Locale.ROOT, "%s\t%s\t%d\t%.4f\t%d\t%d\t%.4f%n", scaleFactor, name, rows, seconds,
                peaks.residentBytes(), peaks.liveHeapBytes(), duckSeconds), StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    static void print(Path file) throws IOException {
        Map<String, TreeMap<Double, Row>> byCase = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file)) {
            String[] f = line.split("\t");
            double scaleFactor = Double.parseDouble(f[0]);
            byCase.computeIfAbsent(f[1], k -> new TreeMap<>()).put(scaleFactor,
                    new Row(scaleFactor, Long.parseLong(f[2]), Double.parseDouble(f[3]), Long.parseLong(f[4]), Long.parseLong(f[5]), Double.parseDouble(f[6])));
        }
        if (byCase.isEmpty()) {
            return;
        }
        List<Double> scaleFactors = new ArrayList<>(byCase.values().iterator().next().keySet());
        String largestFactor = "SF" + scaleFactors.get(scaleFactors.size() - 1) + "/SF1";
        System.out.printf("%nAs the data grows (one JVM per scale factor; rows/s, peak RSS, peak live heap, ours / DuckDB):%n%-30s", "case");
        for (double sf : scaleFactors) {
            System.out.printf(" | %-38s", "SF " + sf);
        }
        System.out.printf(" | %-14s | %-17s | %s%n", "rows/s SF3/SF1", "RSS " + largestFactor, "live " + largestFactor);
        for (Map.Entry<String, TreeMap<Double, Row>> entry : byCase.entrySet()) {
            TreeMap<Double, Row> rows = entry.getValue();
            System.out.printf("%-30s", entry.getKey());
            for (double sf : scaleFactors) {
                Row row = rows.get(sf);
                System.out.print(row == null ? String.format(" | %-38s", "-") : String.format(" | %,10.0f %6d MB %6d MB %6.2f ", row.rowsPerSecond(),
                        row.peakResidentBytes() >> 20, row.peakLiveBytes() >> 20, row.seconds() / row.duckSeconds()));
            }
            Row one = rows.get(1.0);
            Row three = rows.get(3.0);
            Row largest = rows.lastEntry().getValue();
            boolean grew = one != null && largest.scaleFactor() > 1;
            System.out.printf(" | %-14s | %-17s | %s%n",
                    one != null && three != null ? String.format("%.2f", three.rowsPerSecond() / one.rowsPerSecond()) : "-",
                    grew ? String.format("%.2f", (double) largest.peakResidentBytes() / one.peakResidentBytes()) : "-",
                    grew ? String.format("%.2f", (double) largest.peakLiveBytes() / one.peakLiveBytes()) : "-");
        }
    }
}
