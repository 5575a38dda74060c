package dev.minepool.client.api;

/**
 * A request to the pool's HTTP API that did not give what was asked: the pool said no (its sentence and, for a
 * rule it enforces, the reason code such as {@code bad-nonce}), it could not be reached, or its answer was not
 * what the API promises. {@link #getMessage()} is one sentence for the person at the terminal.
 */
public final class ApiException extends Exception {
    private static final long serialVersionUID = 1L;

    /** What went wrong, so that a command can choose its exit code and its advice. */
    public enum Kind {
        /** The pool answered with an error status: {@link #status()}, {@link #reason()}. */
        REFUSED,
        /** No answer: connection refused, timed out, the host does not resolve. */
        UNREACHABLE,
        /** An answer that is not the API's (not JSON, a field missing or of the wrong type). */
        BAD_ANSWER
    }

    private final Kind kind;
    private final int status;
    private final String reason;

    private ApiException(Kind kind, int status, String reason, String message) {
        super(message);
        this.kind = kind;
        this.status = status;
        this.reason = reason;
    }

    /** The pool's own error: {@code {"error":"<sentence>","reason":"<code>"}} with an HTTP status. */
    public static ApiException refused(int status, String sentence, String reason) {
        return new ApiException(Kind.REFUSED, status, reason, sentence);
    }

    public static ApiException unreachable(String message) {
        return new ApiException(Kind.UNREACHABLE, 0, null, message);
    }

    public static ApiException badAnswer(String message) {
        return new ApiException(Kind.BAD_ANSWER, 0, null, message);
    }

    public Kind kind() {
        return kind;
    }

    /** The HTTP status of a refusal; 0 otherwise. */
    public int status() {
        return status;
    }

    /** The rule's code ({@code name-taken}, {@code bad-nonce}, ...) when the pool named one; else null. */
    public String reason() {
        return reason;
    }
}
