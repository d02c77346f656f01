package org.dataexport.launcher.request;

import org.dataexport.job.failure.ErrorType;
import org.dataexport.job.failure.ExportFailure;
import org.dataexport.job.request.Destination;
import org.dataexport.job.request.InvalidRequestException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code exports.allowed_local_roots}: the directories that destinations without storage_config must
 * lie in, on the local file system ({@code /srv/exports}) or a distributed one named by scheme and
 * authority ({@code hdfs://namenode:8020/exports}). Destinations are compared in their normalised form
 * ({@link Destination}); on the local file system the existing part of a destination is resolved with
 * its symbolic links, so a link inside a root that points outside is refused. No roots: no such
 * destinations at all (secure by default).
 */
public final class AllowedRoots {
    public static final String SETTING = "exports.allowed_local_roots";
    private static final String FIELD = "export_paths.paths[0]";

    private final List<Destination> roots;
    private final List<Path> realLocalRoots;

    private AllowedRoots(List<Destination> roots, List<Path> realLocalRoots) {
        this.roots = List.copyOf(roots);
        this.realLocalRoots = List.copyOf(realLocalRoots);
    }

    /** Parses the roots; local roots are created when missing and resolved to their real paths. */
    public static AllowedRoots of(List<String> entries) throws IOException {
        List<Destination> roots = new ArrayList<>();
        List<Path> real = new ArrayList<>();
        for (String entry : entries) {
            Destination root;
            try {
                root = Destination.parseEngine(SETTING, entry);
            } catch (InvalidRequestException e) {
                throw new IllegalArgumentException(SETTING + ": " + entry + " is not an absolute path or hdfs:// URI: " + e.getMessage());
            }
            roots.add(root);
            if (root.scheme().equals(Destination.LOCAL)) {
                Path path = localPath(root);
                Files.createDirectories(path);
                real.add(path.toRealPath());
            }
        }
        return new AllowedRoots(roots, real);
    }

    public List<String> describe() {
        return roots.stream().map(Destination::uri).toList();
    }

    /** Refuses a destination outside every root (400), or whose existing parent is a file (409). */
    public void check(Destination destination) {
        if (destination.scheme().equals(Destination.S3)) {
            return;
        }
        if (roots.isEmpty()) {
            throw new InvalidRequestException(FIELD, "this server takes no local or HDFS destinations (" + SETTING
                    + " is empty); export to S3 with export_paths.storage_config");
        }
        Optional<Destination> root = roots.stream().filter(destination::isInside).findFirst();
        if (root.isEmpty()) {
            throw new InvalidRequestException(FIELD, "must be a directory inside one of " + describe() + " (this server's "
                    + SETTING + "), or an S3 destination with storage_config");
        }
        if (destination.scheme().equals(Destination.LOCAL)) {
            checkLinks(destination, root.get());
        }
    }

    /** Walks the existing part of the destination: every existing ancestor must really lie in the root and be a directory. */
    private void checkLinks(Destination destination, Destination root) {
        Path path = localPath(root);
        List<String> segments = destination.segments();
        for (int i = root.segments().size(); i < segments.size(); i++) {
            path = path.resolve(segments.get(i));
            if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
                return;
            }
            Path real;
            try {
                real = path.toRealPath();
            } catch (IOException e) {
                throw new InvalidRequestException(FIELD, "contains a symbolic link that leads nowhere");
            }
            if (realLocalRoots.stream().noneMatch(real::startsWith)) {
                throw new InvalidRequestException(FIELD, "contains a symbolic link that leads outside " + SETTING);
            }
            if (i < segments.size() - 1 && !Files.isDirectory(real)) {
                throw new ExportFailure(ErrorType.DESTINATION_CONFLICT, "a parent directory of the destination exists as a file; "
                        + "export to a new or empty directory (nothing was written)");
            }
        }
    }

    private static Path localPath(Destination destination) {
        return Path.of("/", destination.segments().toArray(String[]::new));
    }
}
