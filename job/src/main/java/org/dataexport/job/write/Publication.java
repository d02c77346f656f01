package org.dataexport.job.write;

import java.io.Serializable;
import java.util.List;

/** How a file a task wrote becomes visible at the commit: moved from the staging directory, or its S3 upload completed. */
public sealed interface Publication extends Serializable {
    Publication STAGED = new Staged();

    /** Written under the export's staging directory: the commit renames it to its final name. */
    record Staged() implements Publication {
    }

    /**
     * An S3 multipart upload to {@code key} (a final name) with every part uploaded but not completed:
     * invisible until the commit completes it, gone when an abort aborts it.
     *
     * @param etags the parts' ETags, part 1 first
     */
    record PendingUpload(String key, String uploadId, List<String> etags) implements Publication {
        public PendingUpload {
            if (key.isEmpty() || uploadId.isEmpty() || etags.isEmpty()) {
                throw new IllegalArgumentException("a pending upload needs a key, an upload id and at least one part");
            }
            // A plain list: task results may go through Kryo (spark.serializer), which cannot rebuild List.copyOf's.
            etags = new java.util.ArrayList<>(etags);
        }

        @Override
        public List<String> etags() {
            return java.util.Collections.unmodifiableList(etags);
        }
    }
}
