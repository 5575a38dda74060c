package dev.minepool.client.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.BooleanSupplier;

/**
 * {@code --engine auto|vector|digest}: which {@link ScanEngine} hashes nonces.
 *
 * <p>The vector engine needs the incubating module {@value #VECTOR_MODULE}, which the JVM only loads when
 * started with {@code --add-modules jdk.incubator.vector} ({@code bin/minepool} does; a plain
 * {@code java -jar} does not). {@link VectorNonceScanner} is therefore only ever loaded by name, after the module
 * has been found: touching it without the module would fail with a {@link NoClassDefFoundError}.
 */
public enum EngineChoice {
    /** The vector engine when its module is there, else the digest engine, saying why. */
    AUTO,
    /** The vector engine, or a clear error when its module is not there. */
    VECTOR,
    /** The {@link java.security.MessageDigest} engine: works on every JVM. */
    DIGEST;

    public static final String VECTOR_MODULE = "jdk.incubator.vector";
    /** The system property that fixes the vector engine's width in bits ({@code --vector-bits}). */
    public static final String VECTOR_BITS_PROPERTY = "minepool.vector.bits";
    private static final String VECTOR_ENGINE_CLASS = "dev.minepool.client.engine.VectorNonceScanner";
    private static final String HOW_TO_LOAD = "run java with --add-modules " + VECTOR_MODULE
            + " (bin/minepool does)";

    /** The name on the command line: {@code auto}, {@code vector} or {@code digest}. */
    public String option() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The choice named by an {@code --engine} value, or null when there is none of that name. */
    public static EngineChoice parse(String value) {
        for (EngineChoice choice : values()) {
            if (choice.option().equals(value.trim().toLowerCase(Locale.ROOT))) {
                return choice;
            }
        }
        return null;
    }

    /** Whether this JVM has the Vector API module loaded. */
    public static boolean vectorModulePresent() {
        return ModuleLayer.boot().findModule(VECTOR_MODULE).isPresent();
    }

    /**
     * The engine to use, and a line for the person running the miner when the choice needs explaining (the
     * fallback from {@code auto} to {@code digest}), or null.
     */
    public record Selection(ScanEngine engine, String note) {
    }

    /** The engine named by {@code --engine vector} cannot run in this JVM. */
    public static final class UnavailableException extends Exception {
        private static final long serialVersionUID = 1L;

        UnavailableException(String message) {
            super(message);
        }
    }

    /** Picks the engine; {@code vectorModule} says whether the Vector API module is loaded. */
    public Selection select(BooleanSupplier vectorModule) throws UnavailableException {
        return switch (this) {
            case DIGEST -> new Selection(DigestNonceScanner.ENGINE, null);
            case VECTOR -> {
                if (!vectorModule.getAsBoolean()) {
                    throw new UnavailableException("--engine vector needs the Vector API module " + VECTOR_MODULE
                            + ", which this JVM has not loaded: " + HOW_TO_LOAD + ", or use --engine digest");
                }
                yield new Selection(vectorEngine(), null);
            }
            case AUTO -> vectorModule.getAsBoolean() ? new Selection(vectorEngine(), null)
                    : new Selection(DigestNonceScanner.ENGINE, "engine digest (MessageDigest): the Vector API "
                            + "module " + VECTOR_MODULE + " is not loaded; " + HOW_TO_LOAD
                            + " for the faster vector engine");
        };
    }

    /**
     * Every engine this choice covers, fastest first, for {@code bench}: with {@code auto}, every engine that
     * can run here; otherwise the one chosen.
     */
    public List<ScanEngine> engines(BooleanSupplier vectorModule) throws UnavailableException {
        if (this != AUTO) {
            return List.of(select(vectorModule).engine());
        }
        List<ScanEngine> engines = new ArrayList<>();
        if (vectorModule.getAsBoolean()) {
            engines.add(vectorEngine());
        }
        engines.add(DigestNonceScanner.ENGINE);
        return engines;
    }

    /** {@link VectorNonceScanner#ENGINE}, by name, so that this class loads without the Vector API module. */
    private static ScanEngine vectorEngine() {
        try {
            return (ScanEngine) Class.forName(VECTOR_ENGINE_CLASS).getField("ENGINE").get(null);
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new IllegalStateException("the vector engine cannot be loaded although " + VECTOR_MODULE
                    + " is present: " + e, e);
        }
    }
}
