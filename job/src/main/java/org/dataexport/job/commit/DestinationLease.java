package org.dataexport.job.commit;

import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.dataexport.job.failure.ErrorType;
import org.dataexport.job.failure.ExportFailure;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One export's hold on its destination: the claim file {@code <destination>/_temporary/_claim},
 * created atomically (S3 {@code If-None-Match: *}, create-new on a file system), refreshed every third
 * of the lease ({@code If-Match} on its ETag, or rename-and-check), verified before the commit, and
 * removed at the end. A claim whose heartbeat is older than its lease is abandoned: the next export
 * takes it over with the same conditional replace, so two reclaimers cannot both win. A holder that
 * finds its claim taken over stops ({@code onLost}).
 */
public final class DestinationLease implements AutoCloseable {
    public static final String STAGING_ROOT = "_temporary";
    public static final String CLAIM = "_claim";
    private static final Logger LOG = LoggerFactory.getLogger(DestinationLease.class);
    private static final ScheduledExecutorService HEARTBEATS = Executors.newScheduledThreadPool(1, org.dataexport.job.DaemonThreads.named("destination-lease-heartbeat"));

    private final ClaimFiles files;
    private final Path claimPath;
    private final Consumer<ExportFailure> onLost;
    private final boolean reclaimed;
    private final Path destination;
    private final LeaseSettings settings;
    // Empty until confirmed: what the read-back found, which every renewal must still find.
    private Optional<ClaimFiles.Versioned> held = Optional.empty();
    private Claim claim;
    private boolean lost;
    private boolean closed;
    private ScheduledFuture<?> heartbeat;

    private DestinationLease(ClaimFiles files, Path destination, Path claimPath, Claim claim, boolean reclaimed, LeaseSettings settings,
                             Consumer<ExportFailure> onLost) {
        this.files = files;
        this.destination = destination;
        this.claimPath = claimPath;
        this.claim = claim;
        this.reclaimed = reclaimed;
        this.settings = settings;
        this.onLost = onLost;
    }

    /**
     * Takes the destination for {@code exportId}, or fails with 409 naming the export that holds it and
     * when its lease expires. {@link #reclaimed()} tells whether an abandoned claim was taken over.
     */
    public static DestinationLease acquire(FileSystem fs, Path destination, String exportId, LeaseSettings settings,
                                           Consumer<ExportFailure> onLost) throws IOException {
        DestinationLease lease = take(fs, destination, exportId, settings, onLost);
        lease.confirm();
        return lease;
    }

    /**
     * Writes the claim (or takes over an abandoned one), not yet confirmed: on a store that checks a
     * condition and writes in two steps, another export may have written its claim at the same moment, and
     * only {@link #confirm}'s read-back tells which one the store kept. Until then the export may write
     * only what is its own (its staging, its recorded uploads) and publish nothing.
     */
    public static DestinationLease take(FileSystem fs, Path destination, String exportId, LeaseSettings settings,
                                        Consumer<ExportFailure> onLost) throws IOException {
        Path root = new Path(destination, STAGING_ROOT);
        Path claimPath = new Path(root, CLAIM);
        ClaimFiles files = ClaimFiles.of(fs, root);
        Claim mine = new Claim(exportId, settings.owner(), Instant.now(), settings.lease());
        boolean reclaimed = false;
        if (!files.createIfAbsent(claimPath, mine.toBytes())) {
            Optional<ClaimFiles.Versioned> current = files.read(claimPath);
            if (current.isPresent()) {
                Claim theirs = asRenewed(current.get());
                if (!theirs.expired(Instant.now())) {
                    throw heldBy(destination, theirs);
                }
                if (!files.replaceIf(claimPath, current.get(), mine.toBytes())) {
                    throw ExportFailure.destinationNotEmpty(destination.toString(), "was reclaimed by another export at the same moment");
                }
                LOG.warn("export {} reclaims {}: export {} ({}) left it, its lease expired at {}", exportId, destination,
                        theirs.exportId(), theirs.owner(), theirs.expiresAt());
                reclaimed = true;
            } else if (!files.createIfAbsent(claimPath, mine.toBytes())) {
                throw ExportFailure.destinationNotEmpty(destination.toString(), "is being claimed by another export");
            }
        }
        return new DestinationLease(files, destination, claimPath, mine, reclaimed, settings, onLost);
    }

    /**
     * Reads the claim back once the store has settled: 409 when another export's claim is there instead
     * (this lease is then lost and {@link #release} leaves the claim alone). Once confirmed, the claim is
     * renewed every third of the lease until {@link #close}.
     */
    public void confirm() throws IOException {
        files.settle(settings.settle());
        byte[] mine = claim.toBytes();
        Optional<ClaimFiles.Versioned> read = files.read(claimPath).filter(now -> Arrays.equals(now.content(), mine));
        synchronized (this) {
            if (read.isEmpty()) {
                lost = true;
                throw ExportFailure.destinationNotEmpty(destination.toString(), "was claimed by another export at the same moment");
            }
            held = read;
            if (!closed) {
                long every = Math.max(200, settings.lease().toMillis() / 3);
                heartbeat = HEARTBEATS.scheduleWithFixedDelay(this::beatQuietly, every, every, TimeUnit.MILLISECONDS);
            }
        }
        if (!files.atomic()) {
            LOG.warn("{}: the store does not honour conditional writes; two exports starting at the same moment could both claim it", destination);
        }
    }

    /**
     * Fails with 409 when a live claim holds the destination; reads only (a check before accepting an
     * export that will claim it later).
     */
    public static void checkNotHeld(FileSystem fs, Path destination) throws IOException {
        Path root = new Path(destination, STAGING_ROOT);
        Optional<Claim> current = ClaimFiles.of(fs, root).read(new Path(root, CLAIM)).map(DestinationLease::asRenewed);
        if (current.isPresent() && !current.get().expired(Instant.now())) {
            throw heldBy(destination, current.get());
        }
    }

    /** A claim as last renewed: on a file system it is renewed by touching it, so the later of the two times is its heartbeat. */
    private static Claim asRenewed(ClaimFiles.Versioned file) {
        Claim written = Claim.fromBytes(file.content());
        return file.modified().isAfter(written.heartbeatAt()) ? written.beat(file.modified()) : written;
    }

    private static ExportFailure heldBy(Path destination, Claim claim) {
        return ExportFailure.destinationNotEmpty(destination.toString(), "is being written by export " + claim.exportId()
                + " (" + claim.owner() + "); its lease expires at " + claim.expiresAt() + " unless it is renewed");
    }

    /** Whether an abandoned claim was taken over: what it staged is to be removed before writing. */
    public boolean reclaimed() {
        return reclaimed;
    }

    /** Renews the claim now; fails with 409 when another export has taken it over (the lease had expired). */
    public synchronized void verify() throws IOException {
        if (lost || !beat()) {
            throw lostFailure();
        }
    }

    private synchronized boolean beat() throws IOException {
        if (held.isEmpty()) {
            return false;
        }
        Claim next = claim.beat(Instant.now());
        Optional<ClaimFiles.Versioned> renewed = files.renew(claimPath, held.get(), next.toBytes());
        if (renewed.isEmpty()) {
            return false;
        }
        held = renewed;
        claim = Claim.fromBytes(renewed.get().content());
        return true;
    }

    private void beatQuietly() {
        try {
            boolean renewed;
            synchronized (this) {
                if (lost) {
                    return;
                }
                renewed = beat();
                lost = !renewed;
            }
            if (!renewed) {
                LOG.warn("export {} lost its claim on {}: its lease expired and another export took the destination", claim.exportId(), claimPath);
                onLost.accept(lostFailure());
            }
        } catch (IOException | RuntimeException e) {
            // The store is unreachable for now: try again at the next beat; the lease covers the gap.
            LOG.debug("could not renew the claim {}: {}", claimPath, e.getClass().getName());
        }
    }

    private ExportFailure lostFailure() {
        return new ExportFailure(ErrorType.DESTINATION_CONFLICT, "the export lost its claim on the destination: it could not renew "
                + "it within its lease of " + claim.lease().toSeconds() + " s and another export took the destination over; nothing was published");
    }

    /** Stops renewing and removes the claim if it is still this export's; the caller removes the staging root. */
    public void release() throws IOException {
        release(files);
    }

    /** The same through another file system instance (a background cleanup's own). */
    public void release(FileSystem on) throws IOException {
        release(ClaimFiles.of(on, claimPath.getParent()));
    }

    private synchronized void release(ClaimFiles through) throws IOException {
        stop();
        if (lost) {
            return;
        }
        // Unconfirmed, the claim as written: the same bytes mean this export's claim (they name it).
        byte[] mine = held.map(ClaimFiles.Versioned::content).orElseGet(claim::toBytes);
        Optional<ClaimFiles.Versioned> now = through.read(claimPath);
        if (now.isPresent() && Arrays.equals(now.get().content(), mine)) {
            through.delete(claimPath);
        }
    }

    private synchronized void stop() {
        closed = true;
        if (heartbeat != null) {
            heartbeat.cancel(false);
        }
    }

    /** Stops renewing: the claim expires by itself after its lease. */
    @Override
    public void close() {
        stop();
    }
}
