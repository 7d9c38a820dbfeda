package io.flowtrace.core;

/**
 * A capture file is damaged or not a capture file. Thrown after every good packet before the damage has been
 * handed on, so the flows up to that point are complete. Names the file and the byte offset where reading stopped.
 *
 * @since 0.1
 */
public class CaptureFileException extends FlowTraceException {
    private static final long serialVersionUID = 1L;

    /** The file as it was named to the reader. */
    private final String file;
    /** Byte offset in the (decompressed) file where the damage was found. */
    private final long offset;

    /**
     * A damaged capture file.
     *
     * @param file the file as it was named to the reader
     * @param offset byte offset in the (decompressed) file where the damage was found
     * @param problem what is wrong there
     */
    public CaptureFileException(String file, long offset, String problem) {
        super(file + ": " + problem + " at byte offset " + offset);
        this.file = file;
        this.offset = offset;
    }

    /**
     * A damaged capture file, found through another exception.
     *
     * @param file the file as it was named to the reader
     * @param offset byte offset in the (decompressed) file where the damage was found
     * @param problem what is wrong there
     * @param cause what was thrown
     */
    public CaptureFileException(String file, long offset, String problem, Throwable cause) {
        super(file + ": " + problem + " at byte offset " + offset, cause);
        this.file = file;
        this.offset = offset;
    }

    /** {@return the file as it was named to the reader} */
    public String file() {
        return file;
    }

    /** {@return byte offset in the (decompressed) file where the damage was found} */
    public long offset() {
        return offset;
    }
}
