package dev.minepool.protocol;

/** Which way a message travels. Each side decodes only the messages of the direction it receives. */
public enum Direction {
    CLIENT_TO_SERVER,
    SERVER_TO_CLIENT
}
