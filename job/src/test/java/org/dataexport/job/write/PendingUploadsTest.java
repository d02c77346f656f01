package org.dataexport.job.write;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.s3a.S3AFileSystem;
import org.dataexport.job.commit.LeaseSettings;
import org.dataexport.job.commit.PendingUploads;
import org.dataexport.job.commit.StagedOutput;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Files written straight to their final S3 keys as pending uploads ({@link PendingUploadFileSystem}),
 * then published or abandoned by the commit ({@link StagedOutput}), against a real S3 server (S3Proxy
 * over HTTP): nothing is visible before the commit, the commit leaves exactly the named files with
 * the bytes written (shifting numbers when a task wrote none or two), an abort leaves nothing and
 * its uploads can no longer be completed.
 */
class PendingUploadsTest {
    private static final LeaseSettings LEASE = new LeaseSettings("test", Duration.ofSeconds(30));
    private static S3Proxy proxy;
    private static BlobStoreContext store;
    private static Configuration conf;

    @BeforeAll
    static void startS3() throws Exception {
        store = ContextBuilder.newBuilder("transient").overrides(new Properties()).build(BlobStoreContext.class);
        proxy = S3Proxy.builder().blobStore(store.getBlobStore()).endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, "access", "secret-key").ignoreUnknownHeaders(true).build();
        proxy.start();
        while (!"STARTED".equals(proxy.getState())) {
            Thread.sleep(10);
        }
        store.getBlobStore().createContainerInLocation(null, "bucket");
        conf = new Configuration();
        conf.set("fs.s3a.endpoint", "http://127.0.0.1:" + proxy.getPort());
        conf.set("fs.s3a.endpoint.region", "us-east-1");
        conf.setBoolean("fs.s3a.path.style.access", true);
        conf.setBoolean("fs.s3a.connection.ssl.enabled", false);
        conf.set("fs.s3a.aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
        conf.set("fs.s3a.access.key", "access");
        conf.set("fs.s3a.secret.key", "secret-key");
        conf.set("fs.s3a.impl", S3AFileSystem.class.getName());
        conf.setBoolean("fs.s3a.impl.disable.cache", true);
        conf.set("fs.s3a.multipart.size", "5M");
        conf.setInt("fs.s3a.attempts.maximum", 1);
        conf.setInt("fs.s3a.retry.limit", 1);
    }

    @AfterAll
    static void stopS3() throws Exception {
        proxy.stop();
        store.close();
    }

    private static S3AFileSystem open() throws IOException {
        return (S3AFileSystem) FileSystem.newInstance(URI.create("s3a://bucket/"), conf);
    }

    private static byte[] bytes(int size, long seed) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }

    private static WrittenFile write(FileSystem fs, Path path, byte[] data, int partition, int sequence) throws IOException {
        try (FSDataOutputStream out = fs.create(path, false)) {
            // In uneven pieces, as a Parquet writer hands them over.
            for (int offset = 0; offset < data.length; ) {
                int n = Math.min(data.length - offset, 1 + (offset * 31 + 777_777) % 3_000_000);
                out.write(data, offset, n);
                offset += n;
            }
        }
        return new WrittenFile(fs.makeQualified(path).toString(), partition, sequence, 1, 0, data.length, data.length);
    }

    /** A task's file written straight to {@code partition}'s final name, carrying the pending upload it became. */
    private static WrittenFile uploaded(PendingUploadFileSystem task, Path destination, int partition, byte[] data) throws IOException {
        WrittenFile file = write(task, task.direct(new Path(destination, WrittenFile.partName(partition, ".bin"))), data, partition, 0);
        return file.uploaded(task.upload(file.path()).orElseThrow());
    }

    private static TreeMap<String, Long> listing(FileSystem fs, Path destination) throws IOException {
        TreeMap<String, Long> objects = new TreeMap<>();
        try {
            var files = fs.listFiles(destination, true);
            while (files.hasNext()) {
                FileStatus file = files.next();
                objects.put(file.getPath().toString().substring(fs.makeQualified(destination).toString().length() + 1), file.getLen());
            }
        } catch (java.io.FileNotFoundException none) {
            // nothing there
        }
        return objects;
    }

    private static byte[] read(FileSystem fs, Path path) throws IOException {
        try (InputStream in = fs.open(path)) {
            return in.readAllBytes();
        }
    }

    @Test
    void uploadsAreInvisibleUntilTheCommitWhichShiftsNumbersWithoutLosingBytes() throws Exception {
        try (S3AFileSystem s3 = open()) {
            Path destination = s3.makeQualified(new Path("/exports/shifted"));
            StagedOutput output = StagedOutput.begin(s3, destination, "e1", LEASE, lost -> { });
            try {
                PendingUploadFileSystem task = new PendingUploadFileSystem(s3, output.staging());
                byte[] first = bytes(1000, 1);
                byte[] second = bytes(12_345_678, 2); // three parts of 5 MB, the last short
                byte[] third = bytes(300_000, 3);
                // Task 0 wrote one file, task 1 none, task 2 two: its first went to part-00002, its second was staged.
                List<WrittenFile> files = new ArrayList<>();
                files.add(uploaded(task, destination, 0, first));
                files.add(uploaded(task, destination, 2, second));
                files.add(write(s3, new Path(output.staging(), "00002-7-00001.bin"), third, 2, 1));
                assertEquals(List.of(3, 1), List.of(((Publication.PendingUpload) files.get(1).publication()).etags().size(),
                        ((Publication.PendingUpload) files.get(0).publication()).etags().size()));
                assertEquals(List.of(), listing(s3, destination).keySet().stream().filter(name -> !name.startsWith("_temporary/")).toList(),
                        "nothing visible before the commit");

                List<String> names = StagedOutput.partNames(files, ".bin");
                assertEquals(List.of("part-00000.bin", "part-00001.bin", "part-00002.bin"), names);
                output.commit(files, names, "{}");
                assertEquals(List.of("_SUCCESS", "part-00000.bin", "part-00001.bin", "part-00002.bin"), List.copyOf(listing(s3, destination).keySet()));
                assertArrayEquals(first, read(s3, new Path(destination, "part-00000.bin")));
                assertArrayEquals(second, read(s3, new Path(destination, "part-00001.bin")));
                assertArrayEquals(third, read(s3, new Path(destination, "part-00002.bin")));
            } finally {
                output.release();
            }
        }
    }

    @Test
    void aLongShiftMovesTheUploadsAsideFirstAndKeepsEveryFileWhole() throws Exception {
        try (S3AFileSystem s3 = open()) {
            Path destination = s3.makeQualified(new Path("/exports/long-shift"));
            StagedOutput output = StagedOutput.begin(s3, destination, "e4", LEASE, lost -> { });
            try {
                PendingUploadFileSystem task = new PendingUploadFileSystem(s3, output.staging());
                // Task 0 wrote nothing; tasks 1 to 5 wrote one file each: five files, each one number down, in a chain.
                List<WrittenFile> files = new ArrayList<>();
                List<byte[]> contents = new ArrayList<>();
                for (int partition = 1; partition <= 5; partition++) {
                    contents.add(bytes(10_000 * partition, partition));
                    files.add(uploaded(task, destination, partition, contents.get(partition - 1)));
                }
                List<String> names = StagedOutput.partNames(files, ".bin");
                output.commit(files, names, "{}");
                assertEquals(List.of("_SUCCESS", "part-00000.bin", "part-00001.bin", "part-00002.bin", "part-00003.bin", "part-00004.bin"),
                        List.copyOf(listing(s3, destination).keySet()));
                for (int i = 0; i < 5; i++) {
                    assertArrayEquals(contents.get(i), read(s3, new Path(destination, names.get(i))), names.get(i));
                }
            } finally {
                output.release();
            }
        }
    }

    @Test
    void anAbortLeavesNothingAndItsUploadsCannotBeCompleted() throws Exception {
        try (S3AFileSystem s3 = open()) {
            Path destination = s3.makeQualified(new Path("/exports/aborted"));
            StagedOutput output = StagedOutput.begin(s3, destination, "e2", LEASE, lost -> { });
            Publication.PendingUpload upload;
            try {
                PendingUploadFileSystem task = new PendingUploadFileSystem(s3, output.staging());
                upload = (Publication.PendingUpload) uploaded(task, destination, 0, bytes(6_000_000, 4)).publication();
                // A task that failed mid-file abandons its own upload; the one recorded here was closed.
                FSDataOutputStream abandoned = task.create(task.direct(new Path(destination, WrittenFile.partName(1, ".bin"))), false);
                abandoned.write(bytes(6_000_000, 5));
                abandoned.abort();
                assertEquals(true, output.abort(), "cleaned up at once");
            } finally {
                output.release();
            }
            assertEquals(List.of(), List.copyOf(listing(s3, destination).keySet()), "nothing left, the staging and its records included");
            List<software.amazon.awssdk.services.s3.model.CompletedPart> parts = List.of(
                    software.amazon.awssdk.services.s3.model.CompletedPart.builder().partNumber(1).eTag(upload.etags().get(0)).build(),
                    software.amazon.awssdk.services.s3.model.CompletedPart.builder().partNumber(2).eTag(upload.etags().get(1)).build());
            assertThrows(IOException.class, () -> s3.getWriteOperationHelper().commitUpload(upload.key(), upload.uploadId(), parts, 6_000_000),
                    "the upload was aborted");
            assertEquals(List.of(), List.copyOf(listing(s3, destination).keySet()));
        }
    }

    /**
     * S3Proxy checks If-None-Match and writes in two steps, so two exports can both create the claim; the
     * read-back after the store settles tells which one it kept. It runs while the tasks write: the one
     * that finds another export's claim there is cancelled, publishes nothing, and removes only its own.
     */
    @Test
    void anExportWhoseClaimReadsBackAsAnothersIsCancelledAndRemovesOnlyItsOwn() throws Exception {
        try (S3AFileSystem s3 = open()) {
            Path destination = s3.makeQualified(new Path("/exports/raced"));
            Path claim = new Path(destination, "_temporary/_claim");
            java.util.concurrent.CompletableFuture<org.dataexport.job.failure.ExportFailure> lost = new java.util.concurrent.CompletableFuture<>();
            StagedOutput output = StagedOutput.begin(s3, destination, "e5", new LeaseSettings("test", Duration.ofSeconds(30), Duration.ofSeconds(2)),
                    lost::complete);
            byte[] theirs = "{\"export_id\": \"the other export\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            Publication.PendingUpload upload;
            try {
                // The other export's claim, written at the same moment, is the one the store kept.
                try (FSDataOutputStream out = s3.create(claim, true)) {
                    out.write(theirs);
                }
                PendingUploadFileSystem task = new PendingUploadFileSystem(s3, output.staging());
                WrittenFile file = uploaded(task, destination, 0, bytes(6_000_000, 8));
                upload = (Publication.PendingUpload) file.publication();
                assertEquals(409, lost.get(30, java.util.concurrent.TimeUnit.SECONDS).status(), "cancelled by the read-back");
                org.dataexport.job.failure.ExportFailure refused = assertThrows(org.dataexport.job.failure.ExportFailure.class,
                        () -> output.commit(List.of(file), List.of(WrittenFile.partName(0, ".bin")), "done"));
                assertEquals(409, refused.status());
                assertEquals(true, output.abort(), "cleaned up at once");
            } finally {
                output.release();
            }
            assertEquals(List.of("_temporary/_claim"), List.copyOf(listing(s3, destination).keySet()), "nothing published, the other's claim kept");
            assertArrayEquals(theirs, read(s3, claim));
            assertThrows(IOException.class, () -> s3.getWriteOperationHelper().commitUpload(upload.key(), upload.uploadId(),
                    List.of(software.amazon.awssdk.services.s3.model.CompletedPart.builder().partNumber(1).eTag(upload.etags().get(0)).build()),
                    5 << 20), "its upload was aborted");
            s3.delete(destination, true);
        }
    }

    @Test
    void recordsNameEveryUploadBeforeItsFirstPart() throws Exception {
        try (S3AFileSystem s3 = open()) {
            Path staging = s3.makeQualified(new Path("/exports/records/_temporary/e3"));
            PendingUploadFileSystem task = new PendingUploadFileSystem(s3, staging);
            FSDataOutputStream out = task.create(task.direct(new Path("/exports/records/part-00000.bin")), false);
            out.write(bytes(6_000_000, 6)); // the first part goes up: the upload exists
            FileStatus[] records = s3.listStatus(new Path(staging, PendingUploads.RECORDS));
            assertEquals(1, records.length, Arrays.toString(records));
            String[] record = new String(read(s3, records[0].getPath()), java.nio.charset.StandardCharsets.UTF_8).split("\n");
            assertEquals("exports/records/part-00000.bin", record[0]);
            out.abort();
            s3.delete(new Path("/exports/records"), true);
        }
    }
}
