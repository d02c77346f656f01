package org.dataexport.job.write;

import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.column.page.DictionaryPage;
import org.apache.parquet.column.values.ValuesWriter;
import org.apache.parquet.column.values.dictionary.DictionaryValuesWriter;
import org.apache.parquet.io.api.Binary;

/**
 * parquet-java's {@code FallbackValuesWriter}, decision for decision (a dictionary until it outgrows
 * its page or does not pay on the first page, then plain values), for one dictionary writer class at
 * a time: each write method's calls then reach a single class, which the JIT inlines. parquet-java's
 * own writer asks its dictionary whether to fall back through an interface call after every value,
 * a call that sees every dictionary class of the schema, a tenth of the columnar write path's time.
 * The same decisions are taken at the same values: the files are the same.
 */
final class DictionaryOrPlainWriter extends ValuesWriter {
    private final DictionaryValuesWriter dictionary;
    private final ValuesWriter plain;
    private boolean fellBack;
    // Whether the group ended in plain values, once its chunk was finished (which resets the dictionary).
    private boolean endedPlain;
    private boolean usedDictionary;
    // The values' bytes as plain encoding would hold them (binary: a 4-byte length each), for the first page's check.
    private long rawBytes;
    private boolean firstPage = true;

    DictionaryOrPlainWriter(DictionaryValuesWriter dictionary, ValuesWriter plain) {
        this.dictionary = dictionary;
        this.plain = plain;
    }

    /** The writer values go to now: the dictionary, or plain values once the column fell back. */
    private ValuesWriter current() {
        return fellBack ? plain : dictionary;
    }

    DictionaryValuesWriter dictionary() {
        return dictionary;
    }

    /**
     * Whether the column went over to plain values in this row group, and stayed so to its end. Once the
     * chunk is finished: whether it ended so, also when pages of dictionary indices came before (its
     * dictionary is then written and reset).
     */
    boolean fellBack() {
        return fellBack || endedPlain;
    }

    @Override
    public void writeBytes(Binary value) {
        rawBytes += value.length() + 4;
        if (fellBack) {
            plain.writeBytes(value);
            return;
        }
        dictionary.writeBytes(value);
        if (dictionary.shouldFallBack()) {
            fallBack();
        }
    }

    @Override
    public void writeInteger(int value) {
        rawBytes += 4;
        if (fellBack) {
            plain.writeInteger(value);
            return;
        }
        dictionary.writeInteger(value);
        if (dictionary.shouldFallBack()) {
            fallBack();
        }
    }

    @Override
    public void writeLong(long value) {
        rawBytes += 8;
        if (fellBack) {
            plain.writeLong(value);
            return;
        }
        dictionary.writeLong(value);
        if (dictionary.shouldFallBack()) {
            fallBack();
        }
    }

    @Override
    public void writeDouble(double value) {
        rawBytes += 8;
        if (fellBack) {
            plain.writeDouble(value);
            return;
        }
        dictionary.writeDouble(value);
        if (dictionary.shouldFallBack()) {
            fallBack();
        }
    }

    @Override
    public void writeFloat(float value) {
        rawBytes += 4;
        if (fellBack) {
            plain.writeFloat(value);
            return;
        }
        dictionary.writeFloat(value);
        if (dictionary.shouldFallBack()) {
            fallBack();
        }
    }

    private void fallBack() {
        fellBack = true;
        dictionary.fallBackAllValuesTo(plain);
    }

    @Override
    public long getBufferedSize() {
        return rawBytes;
    }

    @Override
    public BytesInput getBytes() {
        if (!fellBack && firstPage) {
            // The first page tells whether the dictionary pays: if not, the page goes plain, and so does the rest.
            BytesInput encoded = dictionary.getBytes();
            if (dictionary.isCompressionSatisfying(rawBytes, encoded.size())) {
                return encoded;
            }
            fallBack();
        }
        return current().getBytes();
    }

    @Override
    public Encoding getEncoding() {
        Encoding encoding = current().getEncoding();
        if (!fellBack && !usedDictionary) {
            usedDictionary = encoding.usesDictionary();
        }
        return encoding;
    }

    @Override
    public void reset() {
        rawBytes = 0;
        firstPage = false;
        current().reset();
    }

    @Override
    public void close() {
        dictionary.close();
        plain.close();
    }

    @Override
    public DictionaryPage toDictPageAndClose() {
        return usedDictionary ? dictionary.toDictPageAndClose() : current().toDictPageAndClose();
    }

    @Override
    public void resetDictionary() {
        endedPlain = fellBack;
        if (usedDictionary) {
            dictionary.resetDictionary();
        } else {
            current().resetDictionary();
        }
        fellBack = false;
        usedDictionary = false;
        firstPage = true;
    }

    @Override
    public long getAllocatedSize() {
        return current().getAllocatedSize();
    }

    @Override
    public String memUsageString(String prefix) {
        return String.format("%s DictionaryOrPlainWriter{%n%s%n%s%n%s}%n", prefix, dictionary.memUsageString(prefix + " initial:"),
                plain.memUsageString(prefix + " fallback:"), prefix);
    }
}
