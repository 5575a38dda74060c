package dev.minepool.client;

import dev.minepool.protocol.Protocol;

/** Where a pool listens: {@code localhost:3333}, {@code 10.0.0.2:3333}, {@code [::1]:3333}. */
public record PoolAddress(String host, int port) {
    public PoolAddress {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("the pool's host is missing");
        }
        if (port < 1 || port > 0xFFFF) {
            throw new IllegalArgumentException("port " + port + " is not in 1..65535");
        }
    }

    /**
     * {@code host:port}, {@code host} (port 3333) or {@code [v6 address]:port}, as typed after {@code --pool}.
     *
     * @throws IllegalArgumentException with a sentence for the person who typed it
     */
    public static PoolAddress parse(String typed) {
        String text = typed.trim();
        String host;
        String port = null;
        if (text.startsWith("[")) {
            int close = text.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("'" + typed + "' opens [ for an IPv6 address but never closes it");
            }
            host = text.substring(1, close);
            String rest = text.substring(close + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) {
                    throw new IllegalArgumentException("'" + typed + "' is not host:port");
                }
                port = rest.substring(1);
            }
        } else {
            int colon = text.lastIndexOf(':');
            if (colon >= 0 && text.indexOf(':') != colon) {
                host = text; // a bare IPv6 address: no port can be told apart from it
            } else if (colon >= 0) {
                host = text.substring(0, colon);
                port = text.substring(colon + 1);
            } else {
                host = text;
            }
        }
        if (host.isBlank()) {
            throw new IllegalArgumentException("'" + typed + "' has no host before the port");
        }
        int number = Protocol.DEFAULT_PORT;
        if (port != null) {
            try {
                number = Integer.parseInt(port);
            } catch (NumberFormatException e) {
                number = -1;
            }
            if (number < 1 || number > 0xFFFF) {
                throw new IllegalArgumentException("'" + typed + "' needs a port from 1 to 65535 after the colon");
            }
        }
        return new PoolAddress(host, number);
    }

    /** {@code localhost:3333}, {@code [::1]:3333}. */
    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
