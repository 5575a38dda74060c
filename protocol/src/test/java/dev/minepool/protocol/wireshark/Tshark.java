package dev.minepool.protocol.wireshark;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * Runs tshark with the minepool dissector ({@code protocol/wireshark/minepool.lua}) over a capture file and
 * returns what it decoded. Reusable by any module's tests: it finds the dissector by walking up from the
 * working directory, or takes its path from the system property {@value #DISSECTOR_PROPERTY}.
 *
 * <p>Messages are read from tshark's PDML output (XML, parsed with the JDK) rather than from {@code -T
 * fields}, because PDML keeps each message's fields together when a frame holds several messages.
 */
public final class Tshark {
    public static final String DISSECTOR_PROPERTY = "minepool.dissector";
    private static final String DISSECTOR = "protocol/wireshark/minepool.lua";
    private static final long TIMEOUT_SECONDS = 60; // a hang guard only: a decode takes about a second

    private static Availability availability;

    private Tshark() {
    }

    /** Whether tshark is installed with Lua support, and the dissector is where it should be. */
    public static synchronized Availability available() {
        if (availability == null) {
            availability = check();
        }
        return availability;
    }

    private static Availability check() {
        Optional<Path> tshark = onPath("tshark");
        if (tshark.isEmpty()) {
            return Availability.no("tshark is not installed (not on PATH); on Debian: apt-get install tshark");
        }
        if (dissectorPath().isEmpty()) {
            return Availability.no("the dissector " + DISSECTOR + " was not found above " + Paths.get("")
                    .toAbsolutePath() + " (set -D" + DISSECTOR_PROPERTY + "=path)");
        }
        try {
            Result version = run(List.of(tshark.get().toString(), "--version"));
            if (version.exitCode() != 0) {
                return Availability.no("tshark --version failed: " + version.stderr().strip());
            }
            if (!version.stdout().matches("(?s).*\\bwith Lua\\b.*")) {
                return Availability.no("this tshark is built without Lua, so it cannot load the dissector: "
                        + version.stdout().lines().findFirst().orElse(""));
            }
        } catch (IOException e) {
            return Availability.no("tshark could not be run: " + e.getMessage());
        }
        return Availability.yes();
    }

    /** The dissector script. */
    public static Path dissector() {
        return dissectorPath().orElseThrow(() -> new IllegalStateException(available().reason()));
    }

    private static Optional<Path> dissectorPath() {
        String property = System.getProperty(DISSECTOR_PROPERTY);
        if (property != null) {
            Path path = Paths.get(property).toAbsolutePath();
            return Files.isRegularFile(path) ? Optional.of(path) : Optional.empty();
        }
        for (Path dir = Paths.get("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(DISSECTOR);
            if (Files.isRegularFile(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** Options that tell the dissector which port is the pool's, through its preference. */
    public static List<String> poolPort(int port) {
        return List.of("-o", "minepool.port:" + port);
    }

    /** Options that decode a port as minepool through Decode As, leaving the preference alone. */
    public static List<String> decodeAs(int port) {
        return List.of("-d", "tcp.port==" + port + ",minepool");
    }

    /**
     * Every minepool message tshark decodes in the capture, in order.
     *
     * @param options more tshark options, such as {@link #poolPort} or {@link #decodeAs}
     * @throws IOException if tshark fails, or reports an error in the dissector
     */
    public static List<DecodedMessage> decode(Path capture, List<String> options) throws IOException {
        Result result = tshark(capture, options, List.of("-T", "pdml"));
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            Document pdml = factory.newDocumentBuilder().parse(new java.io.ByteArrayInputStream(
                    result.stdout().getBytes(StandardCharsets.UTF_8)));
            return messages(pdml);
        } catch (javax.xml.parsers.ParserConfigurationException | org.xml.sax.SAXException e) {
            throw new IOException("tshark's PDML output could not be read: " + e.getMessage(), e);
        }
    }

    /** tshark's own text output: one summary line per frame, or with {@code -V} each frame's tree. */
    public static String text(Path capture, List<String> options) throws IOException {
        return tshark(capture, options, List.of()).stdout();
    }

    /** The Info column of every frame, by frame number. */
    public static Map<Integer, String> infoColumns(Path capture, List<String> options) throws IOException {
        return fieldByFrame(capture, options, "_ws.col.Info");
    }

    /** One field or column ({@code _ws.col.Protocol}) of every frame, by frame number; empty where absent. */
    public static Map<Integer, String> fieldByFrame(Path capture, List<String> options, String field)
            throws IOException {
        String out = tshark(capture, options, List.of("-T", "fields", "-e", "frame.number", "-e", field)).stdout();
        Map<Integer, String> values = new LinkedHashMap<>();
        out.lines().filter(line -> !line.isBlank()).forEach(line -> {
            int tab = line.indexOf('\t');
            values.put(Integer.parseInt(line.substring(0, tab)), line.substring(tab + 1));
        });
        return values;
    }

    /**
     * Two passes over the capture ({@code tshark -2}), as the GUI makes: only then does a request show the
     * frame of its answer, or that it has none, because the first pass reaches the request before its answer.
     */
    public static List<String> twoPass() {
        return List.of("-2");
    }

    /**
     * The statistics tap's table ({@code -q -z minepool,tree}, or {@code minepool,tree,FILTER} when a filter
     * is given) and nothing else.
     */
    public static String statistics(Path capture, List<String> options, Optional<String> filter) throws IOException {
        List<String> output = List.of("-q", "-z", "minepool,tree" + filter.map(f -> "," + f).orElse(""));
        return tshark(capture, options, output).stdout();
    }

    /**
     * One TCP segment of a capture as tshark saw it: its payload length, the minepool messages the dissector
     * shows in it, and, when it completes a message reassembled from several segments, their frame numbers.
     */
    public record Segment(int frame, int srcPort, int tcpLength, List<Integer> reassembledFrom, List<String> types,
            List<Integer> dataLengths) {
        /** The wire length of each message shown in this segment, from its type byte and a T's data length. */
        public List<Integer> messageLengths() {
            List<Integer> lengths = new ArrayList<>();
            int task = 0;
            for (String type : types) {
                lengths.add(switch (type) {
                    case "G" -> 11;
                    case "T" -> 12 + dataLengths.get(task++);
                    case "S" -> 7;
                    case "A", "I", "R" -> 3;
                    case "Q" -> 2;
                    default -> throw new IllegalStateException("no length for a message of type " + type);
                });
            }
            return lengths;
        }
    }

    /** Every TCP segment of the capture (frames without TCP are left out), in order. */
    public static List<Segment> segments(Path capture, List<String> options) throws IOException {
        List<String> output = List.of("-Y", "tcp", "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=,",
                "-e", "frame.number", "-e", "tcp.srcport", "-e", "tcp.len", "-e", "tcp.segment", "-e", "minepool.type",
                "-e", "minepool.data_len");
        List<Segment> segments = new ArrayList<>();
        for (String line : tshark(capture, options, output).stdout().lines().toList()) {
            if (line.isBlank()) {
                continue;
            }
            String[] columns = line.split("\t", -1);
            segments.add(new Segment(Integer.parseInt(columns[0]), Integer.parseInt(columns[1]),
                    Integer.parseInt(columns[2]), numbers(columns[3]),
                    split(columns[4]).stream().map(type -> type.replace("'", "")).toList(), numbers(columns[5])));
        }
        return segments;
    }

    private static List<String> split(String column) {
        return column.isEmpty() ? List.of() : List.of(column.split(","));
    }

    private static List<Integer> numbers(String column) {
        return split(column).stream().map(Integer::parseInt).toList();
    }

    private static Result tshark(Path capture, List<String> options, List<String> output) throws IOException {
        List<String> command = new ArrayList<>(List.of(onPath("tshark").orElseThrow(
                () -> new IOException(available().reason())).toString(),
                "-n", "-X", "lua_script:" + dissector(), "-r", capture.toString()));
        command.addAll(options);
        command.addAll(output);
        Result result = run(command);
        // A Lua error does not stop tshark: it loads the other dissectors and exits 0, so look for it.
        if (result.exitCode() != 0 || result.stderr().contains("Lua: Error")
                || result.stderr().contains("[string \"")) {
            throw new IOException("tshark exited with " + result.exitCode() + ": " + String.join(" ", command)
                    + "\n" + result.stderr().strip());
        }
        // A Lua error while dissecting shows up in the output itself, in place of the tree.
        Optional<String> luaError = result.stdout().lines().filter(line -> line.contains("Lua Error")).findFirst();
        if (luaError.isPresent()) {
            throw new IOException("the dissector failed on " + capture + ": " + luaError.get().strip());
        }
        return result;
    }

    private static List<DecodedMessage> messages(Document pdml) {
        List<DecodedMessage> messages = new ArrayList<>();
        NodeList packets = pdml.getElementsByTagName("packet");
        for (int p = 0; p < packets.getLength(); p++) {
            Element packet = (Element) packets.item(p);
            int frame = 0;
            java.math.BigDecimal time = null;
            int srcPort = 0;
            int dstPort = 0;
            for (Node node = packet.getFirstChild(); node != null; node = node.getNextSibling()) {
                if (!(node instanceof Element proto) || !proto.getTagName().equals("proto")) {
                    continue;
                }
                switch (proto.getAttribute("name")) {
                    case "geninfo" -> {
                        frame = Integer.parseInt(show(proto, "num"));
                        time = new java.math.BigDecimal(value(proto, "timestamp"));
                    }
                    case "tcp" -> {
                        srcPort = Integer.parseInt(show(proto, "tcp.srcport"));
                        dstPort = Integer.parseInt(show(proto, "tcp.dstport"));
                    }
                    case "minepool" -> messages.add(message(proto, frame, time, srcPort, dstPort));
                    default -> {
                    }
                }
            }
        }
        return messages;
    }

    private static DecodedMessage message(Element proto, int frame, java.math.BigDecimal time, int srcPort,
            int dstPort) {
        String summary = proto.getAttribute("showname").replaceFirst("^Minepool Protocol, ", "");
        Map<String, DecodedMessage.Field> fields = new LinkedHashMap<>();
        Map<String, List<DecodedMessage.Field>> occurrences = new LinkedHashMap<>();
        List<String> experts = new ArrayList<>();
        NodeList all = proto.getElementsByTagName("field");
        for (int i = 0; i < all.getLength(); i++) {
            Element field = (Element) all.item(i);
            String name = field.getAttribute("name");
            if (!name.startsWith("minepool.")) {
                continue;
            }
            if (field.getParentNode() instanceof Element parent && parent.getAttribute("name").equals("_ws.expert")) {
                experts.add(name + ": " + field.getAttribute("showname"));
            } else {
                DecodedMessage.Field value = new DecodedMessage.Field(field.getAttribute("show"),
                        field.getAttribute("value"));
                fields.putIfAbsent(name.substring("minepool.".length()), value);
                occurrences.computeIfAbsent(name.substring("minepool.".length()), k -> new ArrayList<>()).add(value);
            }
        }
        Map<String, List<DecodedMessage.Field>> frozen = new LinkedHashMap<>();
        occurrences.forEach((name, list) -> frozen.put(name, List.copyOf(list)));
        return new DecodedMessage(frame, time, srcPort, dstPort, summary, Collections.unmodifiableMap(fields),
                Collections.unmodifiableList(experts), Collections.unmodifiableMap(frozen));
    }

    private static String show(Element proto, String fieldName) {
        return field(proto, fieldName).getAttribute("show");
    }

    private static String value(Element proto, String fieldName) {
        return field(proto, fieldName).getAttribute("value");
    }

    private static Element field(Element proto, String fieldName) {
        NodeList fields = proto.getElementsByTagName("field");
        for (int i = 0; i < fields.getLength(); i++) {
            Element field = (Element) fields.item(i);
            if (field.getAttribute("name").equals(fieldName)) {
                return field;
            }
        }
        throw new IllegalStateException("PDML " + proto.getAttribute("name") + " has no field " + fieldName);
    }

    /** An executable found on PATH. */
    static Optional<Path> onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Paths.get(dir, name);
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    record Result(int exitCode, String stdout, String stderr) {
    }

    /**
     * What {@code tshark -G plugins} lists when the dissector is installed as a user would install it: copied
     * into the personal plugins folder under {@code home} (standing in for the user's home directory), rather
     * than loaded with {@code -X lua_script:}, whose scripts the list leaves out.
     */
    public static String installedPlugins(Path home) throws IOException {
        Path plugins = Files.createDirectories(home.resolve(".local/lib/wireshark/plugins"));
        Files.copy(dissector(), plugins.resolve("minepool.lua"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        String tshark = onPath("tshark").orElseThrow(() -> new IOException(available().reason())).toString();
        Result result = run(List.of(tshark, "-G", "plugins"), Map.of("HOME", home.toString()));
        if (result.exitCode() != 0) {
            throw new IOException("tshark -G plugins exited with " + result.exitCode() + ": " + result.stderr());
        }
        return result.stdout();
    }

    /** Runs a command to completion, its output in files so that neither pipe can fill up and block it. */
    static Result run(List<String> command) throws IOException {
        return run(command, Map.of());
    }

    private static Result run(List<String> command, Map<String, String> environment) throws IOException {
        Path out = Files.createTempFile("minepool-tshark", ".out");
        Path err = Files.createTempFile("minepool-tshark", ".err");
        try {
            ProcessBuilder builder = new ProcessBuilder(command);
            builder.environment().putAll(environment);
            Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            try {
                if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    throw new IOException(command.get(0) + " did not finish within " + TIMEOUT_SECONDS + " s");
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for " + command.get(0), e);
            }
            return new Result(process.exitValue(), read(out), read(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private static String read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
