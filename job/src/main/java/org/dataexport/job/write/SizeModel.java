package org.dataexport.job.write;

import java.util.Arrays;

/**
 * What a row group's buffered bytes become in the file, learned per column from the groups already
 * written: the open page's bytes (raw values and levels) times the column's open-page ratio, and the
 * dictionary's entries times the column's dictionary ratio; finished pages count as they are. Learned
 * per column and per kind of bytes, the ratios do not depend on how many pages a group happened to
 * finish, so groups of every shape are judged alike. A column's open-page ratio is kept apart for
 * dictionary-encoded and plain pages: the same values become a fraction of their bytes as dictionary
 * indices and nearly all of them plain, and a column goes from one to the other between groups.
 */
final class SizeModel {
    // Too few bytes to learn from: page headers would dominate.
    private static final long MIN_BYTES_TO_LEARN = 1024;

    // Each observation's weight halves with every newer one: recent groups count most.
    private static final double DECAY = 0.5;

    private final double[] dictionaryRatio;
    // Per column and kind of page, decayed sums of open bytes seen and the page bytes they became: their quotient is the open-page ratio.
    private final Ratio dictionaryPages;
    private final Ratio plainPages;
    private final boolean[] plainNext;

    SizeModel(int columns) {
        dictionaryRatio = new double[columns];
        dictionaryPages = new Ratio(columns);
        plainPages = new Ratio(columns);
        plainNext = new boolean[columns];
        // Until measured, dictionaries are taken as written uncompressed (open bytes too: see Ratio.of).
        Arrays.fill(dictionaryRatio, 1.0);
    }

    /** @param plain whether the column's open page is plain values (it has no dictionary, or fell back from it) */
    double estimate(int column, long finishedBytes, long openBytes, long dictionaryBytes, boolean plain) {
        double ratio = plain ? plainPages.of(column, dictionaryPages) : dictionaryPages.of(column, plainPages);
        return finishedBytes + openBytes * ratio + dictionaryBytes * dictionaryRatio[column];
    }

    /**
     * Whether the column's last group ended in plain values: its dictionary outgrew the dictionary
     * page, or did not pay on the first page (or it had none). Its next group is then plain from the
     * start instead of building a dictionary only to throw it away (DuckDB decides per column too).
     */
    boolean plainNext(int column) {
        return plainNext[column];
    }

    /**
     * Learns from one column chunk as written: its open bytes became {@code lastPagesBytes} of data
     * pages ({@code plain}: plain values, otherwise dictionary indices), and its dictionary the rest of
     * the chunk beyond its data pages. The open-page ratio is weighted by the open bytes it was seen on:
     * a page of a few hundred rows (one that opened just before the group closed) gets far less from
     * run-length encoding than a full one, and must not decide alone. A dictionary that was seen and not
     * written was dropped: the column's next dictionaries are expected to go too.
     */
    void learn(int column, long openBytes, long lastPagesBytes, long dictionaryBytes, long largestDictionary, long dictionaryPageBytes,
               boolean plain) {
        plainNext[column] = plain;
        if (openBytes >= MIN_BYTES_TO_LEARN && lastPagesBytes > 0) {
            (plain ? plainPages : dictionaryPages).learn(column, openBytes, lastPagesBytes);
        }
        if (dictionaryPageBytes <= 0 && largestDictionary >= MIN_BYTES_TO_LEARN) {
            dictionaryRatio[column] = 0;
        } else if (dictionaryBytes >= MIN_BYTES_TO_LEARN && dictionaryPageBytes > 0) {
            dictionaryRatio[column] = (double) dictionaryPageBytes / dictionaryBytes;
        }
    }

    /** One kind of page's open-page ratio, per column. */
    private static final class Ratio {
        private final double[] seen;
        private final double[] written;

        Ratio(int columns) {
            seen = new double[columns];
            written = new double[columns];
        }

        void learn(int column, long openBytes, long pageBytes) {
            seen[column] = seen[column] * DECAY + openBytes;
            written[column] = written[column] * DECAY + pageBytes;
        }

        /** The ratio learned, else the other kind's (a column's first pages of this kind), else 1 (written as buffered). */
        double of(int column, Ratio other) {
            if (seen[column] > 0) {
                return written[column] / seen[column];
            }
            return other.seen[column] > 0 ? other.written[column] / other.seen[column] : 1.0;
        }
    }
}
