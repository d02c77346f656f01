package org.dataexport.job.write;

import org.apache.spark.unsafe.Platform;

/** JSON strings as Jackson writes them, and the test for text that needs nothing but its quotes. */
final class JsonStrings {
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGH_BITS = 0x8080808080808080L;
    private static final long SPACES = 0x2020202020202020L;
    private static final long QUOTES = 0x2222222222222222L;
    private static final long BACKSLASHES = 0x5C5C5C5C5C5C5C5CL;

    private JsonStrings() {
    }

    /**
     * Whether the bytes are ASCII with no control character, quote or backslash: JSON text as they are.
     * Eight bytes at a time: a byte below 0x20 borrows into its high bit when 0x20 is taken from it, a
     * quote or backslash is a zero byte once xor-ed with it, and any byte of a multi-byte character has
     * its high bit set (a borrow only crosses out of a byte that is itself found).
     */
    static boolean plainAscii(Object base, long offset, int length) {
        int b = 0;
        if (Platform.unaligned()) {
            for (; b + 8 <= length; b += 8) {
                long word = Platform.getLong(base, offset + b);
                long quote = word ^ QUOTES;
                long backslash = word ^ BACKSLASHES;
                long found = word | ((word - SPACES) & ~word) | ((quote - ONES) & ~quote) | ((backslash - ONES) & ~backslash);
                if ((found & HIGH_BITS) != 0) {
                    return false;
                }
            }
        }
        for (; b < length; b++) {
            byte c = Platform.getByte(base, offset + b);
            if (c < 0x20 || c == '"' || c == '\\') { // negative: a byte of a multi-byte character
                return false;
            }
        }
        return true;
    }

    /** A JSON string as Jackson escapes it: quote and backslash, control characters as short or \\u00XX escapes. */
    static String escaped(String text) {
        StringBuilder out = new StringBuilder(text.length() + 8).append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\b' -> out.append("\\b");
                case '\t' -> out.append("\\t");
                case '\n' -> out.append("\\n");
                case '\f' -> out.append("\\f");
                case '\r' -> out.append("\\r");
                default -> {
                    if (c < 0x20) {
                        out.append("\\u00").append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                                .append(Character.toUpperCase(Character.forDigit(c & 0xF, 16)));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
