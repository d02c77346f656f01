package org.dataexport.job.request;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.dataexport.job.failure.CallerText.quote;

/**
 * A destination directory in its one normalised form: a scheme, an authority (the bucket for S3, the
 * name node for HDFS, empty for the local file system) and plain path segments. Every check (the
 * allowed roots, the claims) and the writer use this form, so what was checked is what is written.
 *
 * <p>Segments are refused unless they are plain names: letters, digits and {@code - _ . ~ + = , @} and
 * inner spaces; no {@code .}, {@code ..}, empty or {@code _temporary} segments; no percent-encoding,
 * backslashes, {@code #}, {@code ?}, {@code :}, control characters or look-alike separators (which are
 * not letters or digits). Paths are bounded in length and depth, segments in bytes.
 */
public record Destination(String scheme, String authority, List<String> segments) implements Serializable {
    public static final String S3 = "s3a";
    public static final String LOCAL = "file";
    public static final int MAX_PATH_CHARS = 1024;
    public static final int MAX_SEGMENTS = 64;
    public static final int MAX_SEGMENT_BYTES = 255;
    /** The staging directory's name: no destination may lie inside another export's staging area. */
    public static final String STAGING_SEGMENT = "_temporary";

    // Destinations that need the request's own credentials go through storage_config, never the
    // server's file system configuration.
    private static final Set<String> OBJECT_STORE_SCHEMES = Set.of("s3", "s3a", "s3n", "gs", "gcs", "abfs", "abfss", "wasb", "wasbs", "oss", "cos", "obs");
    // Distributed file systems a path without storage_config may name (when a root names them).
    private static final Set<String> CLUSTER_SCHEMES = Set.of("hdfs", "viewfs", "webhdfs", "swebhdfs");
    private static final Pattern URI_FORM = Pattern.compile("([A-Za-z][A-Za-z0-9+.-]*):(.*)", Pattern.DOTALL);
    private static final Pattern AUTHORITY = Pattern.compile("([A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?)(?::([0-9]{1,5}))?");
    private static final String PUNCTUATION = "-_.~+=,@ ";

    /** Whether a file system scheme names an object store (no real directories; credentials from storage_config). */
    public static boolean isObjectStore(String scheme) {
        return OBJECT_STORE_SCHEMES.contains(scheme.toLowerCase(Locale.ROOT));
    }

    public Destination {
        segments = List.copyOf(segments);
        authority = authority.toLowerCase(Locale.ROOT);
    }

    /** Parses a request path without storage_config: an absolute local path, or a URI of a distributed file system. */
    public static Destination parseEngine(String field, String raw) {
        checkLength(field, raw);
        Matcher uri = URI_FORM.matcher(raw);
        if (!raw.startsWith("/") && uri.matches()) {
            String scheme = uri.group(1).toLowerCase(Locale.ROOT);
            String rest = uri.group(2);
            if (OBJECT_STORE_SCHEMES.contains(scheme)) {
                throw new InvalidRequestException(field, "an object store destination needs export_paths.storage_config "
                        + "with its bucket and credentials; give the path as a key prefix such as \"/export/dir\"");
            }
            if (scheme.equals(LOCAL)) {
                if (rest.startsWith("///")) {
                    rest = rest.substring(2);
                } else if (rest.startsWith("//")) {
                    throw new InvalidRequestException(field, "a file: URI names no host; use file:///dir or a plain absolute path");
                }
                return new Destination(LOCAL, "", absoluteSegments(field, rest));
            }
            if (!CLUSTER_SCHEMES.contains(scheme)) {
                throw new InvalidRequestException(field, "must be an absolute path, or a URI with one of the schemes "
                        + "file, hdfs, viewfs, webhdfs, swebhdfs (got " + quote(uri.group(1)) + ")");
            }
            if (!rest.startsWith("//")) {
                throw new InvalidRequestException(field, "a " + scheme + " URI must name its file system, as in " + scheme + "://namenode/dir");
            }
            int slash = rest.indexOf('/', 2);
            String authority = slash < 0 ? rest.substring(2) : rest.substring(2, slash);
            checkAuthority(field, authority);
            return new Destination(scheme, authority, absoluteSegments(field, slash < 0 ? "" : rest.substring(slash)));
        }
        if (!raw.startsWith("/")) {
            throw new InvalidRequestException(field, "must be an absolute directory path or a URI such as hdfs://namenode/dir");
        }
        return new Destination(LOCAL, "", absoluteSegments(field, raw));
    }

    /** Parses a key prefix in a bucket: {@code /export/dir} and {@code export/dir} both name {@code s3a://bucket/export/dir}. */
    public static Destination parseS3(String field, String raw, String bucket) {
        checkLength(field, raw);
        String prefix = raw.startsWith("/") ? raw : "/" + raw;
        return new Destination(S3, bucket, absoluteSegments(field, prefix));
    }

    /** The Hadoop URI the writer uses: {@code s3a://bucket/a/b}, {@code file:///a/b}, {@code hdfs://nn:8020/a/b}. */
    public String uri() {
        return scheme + "://" + authority + "/" + String.join("/", segments);
    }

    /** True when this directory lies strictly inside {@code root} (same file system, deeper path). */
    public boolean isInside(Destination root) {
        return scheme.equals(root.scheme) && authority.equals(root.authority)
                && segments.size() > root.segments.size() && segments.subList(0, root.segments.size()).equals(root.segments);
    }

    @Override
    public String toString() {
        return uri();
    }

    private static void checkLength(String field, String raw) {
        if (raw.isEmpty()) {
            throw new InvalidRequestException(field, "must not be empty");
        }
        if (raw.length() > MAX_PATH_CHARS) {
            throw new InvalidRequestException(field, "is longer than " + MAX_PATH_CHARS + " characters");
        }
    }

    private static void checkAuthority(String field, String authority) {
        Matcher matcher = AUTHORITY.matcher(authority);
        if (!matcher.matches()) {
            throw new InvalidRequestException(field, "must name its file system as host or host:port, without user information (got "
                    + quote(authority) + ")");
        }
        if (matcher.group(2) != null) {
            int port = Integer.parseInt(matcher.group(2));
            if (port < 1 || port > 65535) {
                throw new InvalidRequestException(field, "port " + port + " is not between 1 and 65535");
            }
        }
    }

    /** The segments of an absolute path ("/a/b", one optional trailing slash), each a plain name. */
    private static List<String> absoluteSegments(String field, String path) {
        if (!path.startsWith("/")) {
            throw new InvalidRequestException(field, "must be an absolute path");
        }
        String body = path.substring(1);
        if (body.endsWith("/")) {
            body = body.substring(0, body.length() - 1);
        }
        if (body.isEmpty()) {
            throw new InvalidRequestException(field, "must name a directory, not the root");
        }
        List<String> segments = new ArrayList<>();
        for (String segment : body.split("/", -1)) {
            checkSegment(field, segment);
            segments.add(segment);
            if (segments.size() > MAX_SEGMENTS) {
                throw new InvalidRequestException(field, "has more than " + MAX_SEGMENTS + " segments");
            }
        }
        return segments;
    }

    private static void checkSegment(String field, String segment) {
        if (segment.isEmpty()) {
            throw new InvalidRequestException(field, "must not contain empty segments ('//')");
        }
        if (segment.chars().allMatch(c -> c == '.')) {
            throw new InvalidRequestException(field, "must not contain '.' or '..' segments");
        }
        if (segment.equals(STAGING_SEGMENT)) {
            throw new InvalidRequestException(field, "must not contain a '" + STAGING_SEGMENT + "' segment (the staging directory's name)");
        }
        if (segment.startsWith(" ") || segment.endsWith(" ")) {
            throw new InvalidRequestException(field, "segments must not begin or end with a space");
        }
        for (int i = 0; i < segment.length(); ) {
            int c = segment.codePointAt(i);
            if (!isPlain(c)) {
                throw new InvalidRequestException(field, "segments may hold letters, digits and " + PUNCTUATION.trim()
                        + " only (found " + describe(segment, i) + ")");
            }
            i += Character.charCount(c);
        }
        if (segment.getBytes(StandardCharsets.UTF_8).length > MAX_SEGMENT_BYTES) {
            throw new InvalidRequestException(field, "a segment is longer than " + MAX_SEGMENT_BYTES + " bytes");
        }
    }

    private static boolean isPlain(int c) {
        if (c < 0x80) {
            return Character.isLetterOrDigit(c) || PUNCTUATION.indexOf(c) >= 0;
        }
        if (Character.isSurrogate((char) c) && Character.isBmpCodePoint(c)) {
            return false; // a lone surrogate
        }
        int type = Character.getType(c);
        return Character.isLetterOrDigit(c) || type == Character.NON_SPACING_MARK || type == Character.COMBINING_SPACING_MARK;
    }

    private static String describe(String segment, int index) {
        int c = segment.codePointAt(index);
        if (Character.isSurrogate((char) c) && Character.isBmpCodePoint(c)) {
            return "an unpaired surrogate";
        }
        return String.format("U+%04X", c) + (c >= 0x21 && c < 0x7f ? " '" + (char) c + "'" : "");
    }
}
