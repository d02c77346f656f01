package org.dataexport.job.request;

import java.io.Serializable;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * An S3 (or S3-compatible) destination with the request's own credentials. The credentials belong to
 * this request alone: {@link #toString()} never shows them and {@link #secrets()} lets error paths
 * scrub them from any text that leaves the process.
 */
public record S3Storage(
        String bucket,
        String accessKey,
        String secretKey,
        String sessionToken,
        URI endpoint,
        String region,
        boolean allowHttp,
        boolean virtualHostedStyle) implements Serializable {

    // S3's rules for bucket names, plus the underscore that older buckets (and the API page's
    // "my_bucket") carry; such names are reachable with path-style requests only.
    private static final Pattern BUCKET_NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]");

    private static final String PREFIX = "export_paths.storage_config.";

    public S3Storage {
        Objects.requireNonNull(bucket, "bucket");
        Objects.requireNonNull(accessKey, "accessKey");
        Objects.requireNonNull(secretKey, "secretKey");
        if (!BUCKET_NAME.matcher(bucket).matches() || bucket.contains("..")) {
            throw new InvalidRequestException(PREFIX + "bucket", org.dataexport.job.failure.CallerText.quote(bucket) + " is not a valid bucket name: "
                    + "3 to 63 lower-case letters, digits, '.', '-' or '_', starting and ending with a letter or digit");
        }
        if (bucket.contains("_") && virtualHostedStyle) {
            throw new InvalidRequestException(PREFIX + "options.virtual_hosted_style", "bucket " + bucket
                    + " contains '_', which cannot appear in a host name; use virtual_hosted_style: false (path-style)");
        }
        if (endpoint != null) {
            String scheme = endpoint.getScheme();
            if ("http".equals(scheme) && !allowHttp) {
                throw new InvalidRequestException(PREFIX + "options.endpoint",
                        "an http:// endpoint sends data unencrypted; set options.allow_http to true to allow it");
            }
        }
    }

    static S3Storage parse(JsonFields config) {
        String type = config.requiredString("storage_type");
        if (!"S3".equals(type.toUpperCase(Locale.ROOT))) {
            throw new InvalidRequestException(config.path("storage_type"), "must be \"S3\" (got " + org.dataexport.job.failure.CallerText.quote(type) + ")");
        }
        String bucket = config.requiredString("bucket");
        JsonFields credentials = config.requiredObject("credentials");
        String accessKey = credentials.requiredString("access_key");
        String secretKey = credentials.requiredString("secret_key");
        String sessionToken = credentials.optionalString("session_token").filter(token -> !token.isEmpty()).orElse(null);
        credentials.rejectUnknownFields();

        URI endpoint = null;
        String region = null;
        boolean allowHttp = false;
        boolean virtualHostedStyle = false;
        JsonFields options = config.optionalObject("options").orElse(null);
        if (options != null) {
            endpoint = options.optionalString("endpoint").map(value -> parseEndpoint(options.path("endpoint"), value)).orElse(null);
            region = options.optionalString("region").orElse(null);
            if (region != null && !region.matches("[a-z0-9-]{1,64}")) {
                throw new InvalidRequestException(options.path("region"), "must be a region name such as \"us-east-1\"");
            }
            allowHttp = options.optionalBoolean("allow_http").orElse(false);
            virtualHostedStyle = options.optionalBoolean("virtual_hosted_style").orElse(false);
            options.rejectUnknownFields();
        }
        config.rejectUnknownFields();
        return new S3Storage(bucket, accessKey, secretKey, sessionToken, endpoint, region, allowHttp, virtualHostedStyle);
    }

    private static URI parseEndpoint(String field, String value) {
        URI uri;
        try {
            uri = new URI(value);
        } catch (URISyntaxException e) {
            throw new InvalidRequestException(field, "is not a valid URL");
        }
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
            throw new InvalidRequestException(field, "must start with https:// (or http:// with allow_http: true)");
        }
        if (uri.getRawUserInfo() != null) {
            throw new InvalidRequestException(field, "must not carry credentials; put them in storage_config.credentials");
        }
        if (uri.getPort() == 0 || uri.getPort() > 65535) {
            throw new InvalidRequestException(field, "port " + uri.getPort() + " is not between 1 and 65535");
        }
        if (uri.getHost() == null) {
            throw new InvalidRequestException(field, "must name a host, as in https://s3.example.com");
        }
        if ((uri.getRawPath() != null && !uri.getRawPath().isEmpty() && !uri.getRawPath().equals("/"))
                || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new InvalidRequestException(field, "must be scheme, host and port only, as in https://s3.example.com:9000");
        }
        return uri;
    }

    /** The values that must never leave the process: used to scrub error messages. */
    public List<String> secrets() {
        return Stream.of(accessKey, secretKey, sessionToken).filter(Objects::nonNull).toList();
    }

    @Override
    public String toString() {
        return "S3Storage[bucket=" + bucket + ", endpoint=" + endpoint + ", region=" + region
                + ", virtualHostedStyle=" + virtualHostedStyle + ", credentials=<redacted>]";
    }
}
