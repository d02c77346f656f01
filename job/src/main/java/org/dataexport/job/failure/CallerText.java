package org.dataexport.job.failure;

/**
 * Caller-supplied text as it may appear in a message or a log line: control and format characters
 * escaped (a newline cannot forge a log line), lone surrogates replaced, and cut to about 100
 * characters (a megabyte of input never comes back).
 */
public final class CallerText {
    public static final int MAX_CHARS = 100;

    private CallerText() {
    }

    /** The value in double quotes, escaped and cut. */
    public static String quote(String value) {
        return "\"" + escape(value) + "\"";
    }

    public static String escape(String value) {
        if (value == null) {
            return "null";
        }
        StringBuilder out = new StringBuilder();
        int shown = 0;
        for (int i = 0; i < value.length(); i++) {
            if (shown >= MAX_CHARS) {
                out.append("...");
                break;
            }
            char c = value.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
                out.append(c).append(value.charAt(++i));
            } else if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20 || c == 0x7f || Character.isSurrogate(c)
                    || Character.getType(c) == Character.FORMAT || Character.getType(c) == Character.CONTROL
                    || c == '\u2028' || c == '\u2029') {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
            shown++;
        }
        return out.toString();
    }
}
