package org.dataexport.job.write;

import java.util.Arrays;

/**
 * What a row group's buffered bytes become in the file, learned per column from the groups already
 * written: the open page's bytes (raw values and levels) times the column's open-page ratio, and the
 * dictionary's entries times the column's dictionary ratio; finished pages count as they are. Learned
 * per column and per kind of bytes, the ratios do not depend on how many pages a group happened to
 * finish, so groups of every shape are judged alike.
 */
final class SizeModel {
    // Too few bytes to learn from: page headers would dominate.
    private static final long MIN_BYTES_TO_LEARN = 1024;

    private final double[] openRatio;
    private final double[] dictionaryRatio;

    SizeModel(int columns) {
        openRatio = new double[columns];
        dictionaryRatio = new double[columns];
        // Until measured, open bytes and dictionaries are taken as written uncompressed.
        Arrays.fill(openRatio, 1.0);
        Arrays.fill(dictionaryRatio, 1.0);
    }

    int columns() {
        return openRatio.length;
    }

    double estimate(int column, long finishedBytes, long openBytes, long dictionaryBytes) {
        return finishedBytes + openBytes * openRatio[column] + dictionaryBytes * dictionaryRatio[column];
    }

    /**
     * Learns from one column chunk as written: its open bytes became {@code lastPagesBytes} of data
     * pages, and its dictionary the rest of the chunk beyond its data pages. A dictionary that was seen
     * and not written was dropped (parquet-java falls back to plain encoding when it does not pay):
     * the column's next dictionaries are expected to go the same way.
     */
    void learn(int column, long openBytes, long lastPagesBytes, long dictionaryBytes, long largestDictionary, long dictionaryPageBytes) {
        if (openBytes >= MIN_BYTES_TO_LEARN && lastPagesBytes > 0) {
            openRatio[column] = (double) lastPagesBytes / openBytes;
        }
        if (dictionaryPageBytes <= 0 && largestDictionary >= MIN_BYTES_TO_LEARN) {
            dictionaryRatio[column] = 0;
        } else if (dictionaryBytes >= MIN_BYTES_TO_LEARN && dictionaryPageBytes > 0) {
            dictionaryRatio[column] = (double) dictionaryPageBytes / dictionaryBytes;
        }
    }
}
