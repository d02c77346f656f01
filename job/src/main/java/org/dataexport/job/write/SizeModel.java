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

    // Each observation's weight halves with every newer one: recent groups count most.
    private static final double DECAY = 0.5;

    private final double[] dictionaryRatio;
    // Per column, decayed sums of open bytes seen and the page bytes they became: their quotient is the open-page ratio.
    private final double[] openSeen;
    private final double[] openWritten;
    private final boolean[] fellBackToPlain;

    SizeModel(int columns) {
        dictionaryRatio = new double[columns];
        openSeen = new double[columns];
        openWritten = new double[columns];
        fellBackToPlain = new boolean[columns];
        // Until measured, dictionaries are taken as written uncompressed (open bytes too: see openRatio).
        Arrays.fill(dictionaryRatio, 1.0);
    }

    double estimate(int column, long finishedBytes, long openBytes, long dictionaryBytes) {
        return finishedBytes + openBytes * openRatio(column) + dictionaryBytes * dictionaryRatio[column];
    }

    /**
     * Whether the column fell back to plain encoding part way through a group (its dictionary outgrew
     * the dictionary page): a dictionary is not expected to pay in the next groups either. Only then:
     * the column's last pages were plain, so its open-page ratio holds for a column plain from the
     * start. A dictionary dropped as the group's first page closed was judged on that page alone, and
     * the ratio learned there (dictionary indices becoming plain values) would misjudge plain pages.
     */
    boolean fellBackToPlain(int column) {
        return fellBackToPlain[column];
    }

    private double openRatio(int column) {
        return openSeen[column] > 0 ? openWritten[column] / openSeen[column] : 1.0;
    }

    /**
     * Learns from one column chunk as written: its open bytes became {@code lastPagesBytes} of data
     * pages, and its dictionary the rest of the chunk beyond its data pages. The open-page ratio is
     * weighted by the open bytes it was seen on: a page of a few hundred rows (one that opened just
     * before the group closed) gets far less from run-length encoding than a full one, and must not
     * decide alone. A dictionary that was seen and not written was dropped (parquet-java falls back to
     * plain encoding when it does not pay): the column's next dictionaries are expected to go too.
     * {@code fellBack}: the column had fallen back to plain encoding before the group closed.
     */
    void learn(int column, long openBytes, long lastPagesBytes, long dictionaryBytes, long largestDictionary, long dictionaryPageBytes,
               boolean fellBack) {
        fellBackToPlain[column] |= fellBack;
        if (openBytes >= MIN_BYTES_TO_LEARN && lastPagesBytes > 0) {
            openSeen[column] = openSeen[column] * DECAY + openBytes;
            openWritten[column] = openWritten[column] * DECAY + lastPagesBytes;
        }
        if (dictionaryPageBytes <= 0 && largestDictionary >= MIN_BYTES_TO_LEARN) {
            dictionaryRatio[column] = 0;
        } else if (dictionaryBytes >= MIN_BYTES_TO_LEARN && dictionaryPageBytes > 0) {
            dictionaryRatio[column] = (double) dictionaryPageBytes / dictionaryBytes;
        }
    }
}
