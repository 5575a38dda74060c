package dev.minepool.server.http;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict reader of the Prometheus text exposition format, version 0.0.4, for tests: it refuses anything the
 * format does not allow (a sample before its TYPE, a family split in two, a bad name, label or value, a
 * duplicate series, a histogram whose buckets are not cumulative or lack +Inf), and returns the samples.
 */
final class PrometheusText {
    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    private static final Pattern SAMPLE = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)\\})? (\\S+)( -?\\d+)?");
    private static final Set<String> TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped");

    record Sample(String name, Map<String, String> labels, double value) {
    }

    record Family(String name, String type, String help, List<Sample> samples) {
    }

    private PrometheusText() {
    }

    /** Parses the whole text or throws {@link IllegalArgumentException} naming the line and the rule. */
    static Map<String, Family> parse(String text) {
        if (!text.endsWith("\n")) {
            throw new IllegalArgumentException("the text must end with a line feed");
        }
        Map<String, String> helps = new HashMap<>();
        Map<String, String> types = new HashMap<>();
        Map<String, Family> families = new LinkedHashMap<>();
        Set<String> finished = new HashSet<>();
        Set<String> series = new HashSet<>();
        String current = null;
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length - 1; i++) {
            String line = lines[i];
            String where = "line " + (i + 1) + " '" + line + "'";
            if (line.startsWith("# HELP ") || line.startsWith("# TYPE ")) {
                String[] parts = line.split(" ", 4);
                if (parts.length < 4 || !NAME.matcher(parts[2]).matches()) {
                    throw new IllegalArgumentException(where + ": a HELP or TYPE needs a metric name and text");
                }
                String family = parts[2];
                if (finished.contains(family) || (current != null && !current.equals(family)
                        && families.containsKey(family))) {
                    throw new IllegalArgumentException(where + ": family " + family + " is split");
                }
                if (line.startsWith("# HELP ")) {
                    if (helps.put(family, parts[3]) != null) {
                        throw new IllegalArgumentException(where + ": a second HELP for " + family);
                    }
                } else {
                    if (!TYPES.contains(parts[3])) {
                        throw new IllegalArgumentException(where + ": unknown type " + parts[3]);
                    }
                    if (types.put(family, parts[3]) != null) {
                        throw new IllegalArgumentException(where + ": a second TYPE for " + family);
                    }
                    if (families.containsKey(family)) {
                        throw new IllegalArgumentException(where + ": TYPE after samples of " + family);
                    }
                }
                if (current != null && !current.equals(family)) {
                    finished.add(current);
                }
                current = family;
                continue;
            }
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            Matcher m = SAMPLE.matcher(line);
            if (!m.matches()) {
                throw new IllegalArgumentException(where + ": not a sample");
            }
            String name = m.group(1);
            String family = familyOf(name, types);
            if (family == null) {
                throw new IllegalArgumentException(where + ": no TYPE before the first sample of " + name);
            }
            if (finished.contains(family) || (current != null && !current.equals(family))) {
                throw new IllegalArgumentException(where + ": a sample of " + family + " outside its family");
            }
            current = family;
            Map<String, String> labels = labels(m.group(3), where);
            double value = value(m.group(4), where);
            if (!series.add(name + labels)) {
                throw new IllegalArgumentException(where + ": a duplicate series");
            }
            families.computeIfAbsent(family, f -> new Family(f, types.get(f), helps.get(f), new ArrayList<>()))
                    .samples().add(new Sample(name, labels, value));
        }
        for (Family f : families.values()) {
            if (f.help() == null) {
                throw new IllegalArgumentException("family " + f.name() + " has no HELP");
            }
            if (f.type().equals("counter") && !f.name().endsWith("_total")) {
                throw new IllegalArgumentException("counter " + f.name() + " does not end in _total");
            }
            if (f.type().equals("histogram")) {
                checkHistogram(f);
            }
        }
        return families;
    }

    private static String familyOf(String sample, Map<String, String> types) {
        if (types.containsKey(sample)) {
            return sample;
        }
        for (String suffix : new String[] {"_bucket", "_sum", "_count"}) {
            if (sample.endsWith(suffix)) {
                String base = sample.substring(0, sample.length() - suffix.length());
                if ("histogram".equals(types.get(base))) {
                    return base;
                }
            }
        }
        return null;
    }

    private static Map<String, String> labels(String raw, String where) {
        Map<String, String> labels = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return labels;
        }
        int i = 0;
        while (i < raw.length()) {
            int eq = raw.indexOf('=', i);
            if (eq < 0 || eq + 1 >= raw.length() || raw.charAt(eq + 1) != '"') {
                throw new IllegalArgumentException(where + ": a label needs name=\"value\"");
            }
            String name = raw.substring(i, eq);
            if (!LABEL_NAME.matcher(name).matches()) {
                throw new IllegalArgumentException(where + ": bad label name " + name);
            }
            StringBuilder value = new StringBuilder();
            int j = eq + 2;
            while (true) {
                if (j >= raw.length()) {
                    throw new IllegalArgumentException(where + ": an unterminated label value");
                }
                char c = raw.charAt(j);
                if (c == '\\') {
                    char next = raw.charAt(j + 1);
                    value.append(switch (next) {
                        case '\\' -> '\\';
                        case '"' -> '"';
                        case 'n' -> '\n';
                        default -> throw new IllegalArgumentException(where + ": bad escape \\" + next);
                    });
                    j += 2;
                } else if (c == '"') {
                    break;
                } else {
                    value.append(c);
                    j++;
                }
            }
            if (labels.put(name, value.toString()) != null) {
                throw new IllegalArgumentException(where + ": label " + name + " twice");
            }
            i = j + 1;
            if (i < raw.length()) {
                if (raw.charAt(i) != ',') {
                    throw new IllegalArgumentException(where + ": labels are separated by commas");
                }
                i++;
            }
        }
        return labels;
    }

    private static double value(String raw, String where) {
        switch (raw) {
            case "+Inf":
                return Double.POSITIVE_INFINITY;
            case "-Inf":
                return Double.NEGATIVE_INFINITY;
            case "NaN":
                return Double.NaN;
            default:
                try {
                    return Double.parseDouble(raw);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(where + ": bad value " + raw);
                }
        }
    }

    private static void checkHistogram(Family f) {
        double lastBound = Double.NEGATIVE_INFINITY;
        double lastCount = 0;
        Double inf = null;
        Double count = null;
        boolean sum = false;
        for (Sample s : f.samples()) {
            if (s.name().equals(f.name() + "_bucket")) {
                String le = s.labels().get("le");
                if (le == null) {
                    throw new IllegalArgumentException(f.name() + ": a bucket without le");
                }
                double bound = le.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le);
                if (bound <= lastBound || s.value() < lastCount) {
                    throw new IllegalArgumentException(f.name() + ": buckets must rise in le and count");
                }
                lastBound = bound;
                lastCount = s.value();
                if (bound == Double.POSITIVE_INFINITY) {
                    inf = s.value();
                }
            } else if (s.name().equals(f.name() + "_count")) {
                count = s.value();
            } else if (s.name().equals(f.name() + "_sum")) {
                sum = true;
            } else {
                throw new IllegalArgumentException(f.name() + ": unexpected sample " + s.name());
            }
        }
        if (inf == null || count == null || !sum || !inf.equals(count)) {
            throw new IllegalArgumentException(f.name() + ": needs a +Inf bucket equal to _count, and _sum");
        }
    }
}
