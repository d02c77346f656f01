package org.dataexport.job.request;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DestinationTest {
    private static final String FIELD = "export_paths.paths[0]";

    @ParameterizedTest
    @ValueSource(strings = {
            "/root/x#/../../outside-hash", "/root/y?q=/../../outside-query", "/root/a%2F..%2F..%2Fb", "/root/%2e%2e/b",
            "/root/..", "/root/./a", "/root//a", "//host/dir", "/root/a\\..\\b", "/root/a\u2215..\u2215b", "/root/a\uFF0F..",
            "/root/\uFF0E\uFF0E/b", "/root/a\nb", "/root/a\u0000b", "/root/\u202Eevil", "/root/a:b", "/root/\ud800x",
            "/root/_temporary/x", "/root/ space", "relative/dir", "", "/", "file://host/dir", "file://host:22/dir",
            "hdfs:///dir", "hdfs://user@nn/dir", "hdfs://nn:65536/dir", "hdfs://nn:99999/dir", "s3a://bucket/dir",
            "ftp://host/dir", "viewfs://", "webhdfs://127.0.0.1:1/../x", "/root/...", "jar:file:/x!/y"})
    void refusesEscapesAndMalformedPaths(String raw) {
        InvalidRequestException refused = assertThrows(InvalidRequestException.class, () -> Destination.parseEngine(FIELD, raw));
        assertTrue(refused.getMessage().startsWith(FIELD), refused.getMessage());
        assertFalse(refused.getMessage().contains("\n"), "one line");
    }

    @Test
    void boundsLengthDepthAndSegmentBytes() {
        assertThrows(InvalidRequestException.class, () -> Destination.parseEngine(FIELD, "/a".repeat(2050)));
        assertThrows(InvalidRequestException.class, () -> Destination.parseEngine(FIELD, "/root/" + "x".repeat(300)));
        assertThrows(InvalidRequestException.class, () -> Destination.parseEngine(FIELD, "/root/" + "\u00e9".repeat(128)));
        assertThrows(InvalidRequestException.class, () -> Destination.parseEngine(FIELD, "/a".repeat(65)));
        assertEquals(64, Destination.parseEngine(FIELD, "/a".repeat(64)).segments().size());
    }

    @Test
    void normalisesEveryAcceptedSpelling() {
        Destination plain = Destination.parseEngine(FIELD, "/srv/exports/orders/");
        assertEquals("file:///srv/exports/orders", plain.uri());
        assertEquals(plain, Destination.parseEngine(FIELD, "file:///srv/exports/orders"));
        assertEquals(plain, Destination.parseEngine(FIELD, "file:/srv/exports/orders"));
        assertEquals("hdfs://nn:8020/data/x", Destination.parseEngine(FIELD, "HDFS://NN:8020/data/x").uri());
        assertEquals("s3a://my_bucket/export/dir", Destination.parseS3(FIELD, "/export/dir", "my_bucket").uri());
        assertEquals("s3a://my_bucket/export/dir", Destination.parseS3(FIELD, "export/dir/", "my_bucket").uri());
        assertEquals(List.of("caf\u00e9", "r\u00e9sum\u00e9 2024", "a-b_c.d~e+f=g,h@i"),
                Destination.parseEngine(FIELD, "/caf\u00e9/r\u00e9sum\u00e9 2024/a-b_c.d~e+f=g,h@i").segments());
    }

    @Test
    void insideMeansStrictlyBelowOnTheSameFileSystem() {
        Destination root = Destination.parseEngine(FIELD, "/srv/exports");
        assertTrue(Destination.parseEngine(FIELD, "/srv/exports/a/b").isInside(root));
        assertFalse(Destination.parseEngine(FIELD, "/srv/exports").isInside(root));
        assertFalse(Destination.parseEngine(FIELD, "/srv/exports-other/a").isInside(root));
        assertFalse(Destination.parseEngine(FIELD, "hdfs://nn/srv/exports/a").isInside(root));
        assertTrue(Destination.parseEngine(FIELD, "hdfs://nn/x/a").isInside(Destination.parseEngine(FIELD, "hdfs://NN/x")));
        assertFalse(Destination.parseEngine(FIELD, "hdfs://nn:9000/x/a").isInside(Destination.parseEngine(FIELD, "hdfs://nn/x")));
    }
}
