package org.dataexport.job.write;

import java.nio.charset.StandardCharsets;

/**
 * One float or double column's JSON texts, kept in a direct-mapped table by the value's bits: a column
 * of prices, rates or quantities repeats its values, and Java's {@code Double.toString} (which Jackson
 * writes; slow before JDK 19) then runs once a value. A column whose values rarely repeat (fewer than
 * one in four found in the table over its first {@value #TRIAL} values) stops looking them up.
 */
final class JsonNumberTexts {
    private static final int SLOTS = 1 << 12;
    private static final int TRIAL = 1 << 14;
    private static final double[] POWERS = {1, 10, 100, 1_000, 10_000};

    private final long[] keys = new long[SLOTS];
    private final byte[][] texts = new byte[SLOTS][];
    private long lookups;
    private long hits;
    private boolean caching = true;

    /** The JSON text of a double: Java's text of the number, NaN and the infinities as strings. */
    byte[] of(double value) {
        return text(Double.doubleToRawLongBits(value), value, false);
    }

    /** The same for a float (its own text: {@code Float.toString}). */
    byte[] of(float value) {
        return text(Float.floatToRawIntBits(value), value, true);
    }

    private byte[] text(long bits, double value, boolean isFloat) {
        if (!caching) {
            return format(value, isFloat);
        }
        int slot = (int) ((bits ^ (bits >>> 29)) * 0x9E3779B97F4A7C15L >>> 52);
        byte[] known = texts[slot];
        lookups++;
        if (known != null && keys[slot] == bits) {
            hits++;
            return known;
        }
        if (lookups >= TRIAL && hits < lookups / 4) {
            caching = false;
        }
        byte[] made = format(value, isFloat);
        keys[slot] = bits;
        texts[slot] = made;
        return made;
    }

    private static byte[] format(double value, boolean isFloat) {
        if (!isFloat) {
            byte[] decimal = shortDecimal(value);
            if (decimal != null) {
                return decimal;
            }
        }
        String text = isFloat ? Float.toString((float) value) : Double.toString(value);
        return (Double.isFinite(value) ? text : "\"" + text + "\"").getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * The text of a double in [0.001, 10^7) that is the double nearest to a decimal of at most four
     * places: that decimal, trailing zeros dropped but one ({@code 17.0}, {@code 0.05}), which is what
     * {@code Double.toString} writes for it (no shorter decimal falls on the same double at this
     * magnitude; checked against JDK 17's own text for every such value below 2 * 10^7 units of the last
     * place and a sample above). Null for any other value.
     */
    static byte[] shortDecimal(double value) {
        double magnitude = Math.abs(value);
        if (!(magnitude >= 1e-3 && magnitude < 1e7)) {
            return null;
        }
        for (int places = 0; places < POWERS.length; places++) {
            long units = Math.round(magnitude * POWERS[places]);
            if (units / POWERS[places] == magnitude) {
                return decimal(value < 0, units, places);
            }
        }
        return null;
    }

    private static byte[] decimal(boolean negative, long units, int places) {
        long scale = (long) POWERS[places];
        byte[] whole = Long.toString(units / scale).getBytes(StandardCharsets.US_ASCII);
        long fraction = units % scale;
        int fractionDigits = Math.max(1, places);
        while (fractionDigits > 1 && fraction % 10 == 0) {
            fraction /= 10;
            fractionDigits--;
        }
        byte[] text = new byte[(negative ? 1 : 0) + whole.length + 1 + fractionDigits];
        int at = 0;
        if (negative) {
            text[at++] = '-';
        }
        System.arraycopy(whole, 0, text, at, whole.length);
        at += whole.length;
        text[at++] = '.';
        for (int d = text.length - 1; d >= at; d--) {
            text[d] = (byte) ('0' + fraction % 10);
            fraction /= 10;
        }
        return text;
    }
}
