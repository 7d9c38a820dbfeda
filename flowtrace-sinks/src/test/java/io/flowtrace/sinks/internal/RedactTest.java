package io.flowtrace.sinks.internal;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class RedactTest {

    @Test
    void urlsLoseUserInformationQueryAndFragment() {
        assertEquals("https://host:8443/in", Redact.url("https://u:p@host:8443/in?api_key=k#top"));
        assertEquals("nats://host:4222", Redact.url("nats://tok@host:4222"));
        assertEquals("http://host/", Redact.url("http://u:p@ss@host/"), "everything up to the last @");
        assertEquals("http://host/x", Redact.url("http://u:p/ss@host/x"), "a password with a / that did not parse");
        assertEquals("http://host/in", Redact.url("http://host/in"));
        assertEquals("not a url", Redact.url("not a url?secret"));
    }

    @Test
    void messagesRedactEveryUrlInThemAndEscapeControlCharacters() {
        assertEquals("Unable to connect to [nats://a:4222, nats://b:4222]",
                Redact.message("Unable to connect to [nats://u:p@a:4222, nats://u:p@b:4222]"));
        assertEquals("bad\\u001b[2J\\r\\nline \\\\ http://h/", Redact.message("bad\u001b[2J\r\nline \\ http://h/?t=1"));
        assertEquals("\\u0085\\u2028\\u007f", Redact.controls("\u0085\u2028\u007f"));
        assertEquals("plain text", Redact.message("plain text"));
    }

    @Test
    void userInformationIsPercentDecodedAsUtf8WithPlusKept() {
        assertEquals("p@ss:w/rd+x ö", UserInfo.decode("p%40ss%3Aw%2Frd+x%20%C3%B6"));
        assertEquals("plain", UserInfo.decode("plain"));
        assertThrows(IllegalArgumentException.class, () -> UserInfo.decode("bad%4"));
        assertThrows(IllegalArgumentException.class, () -> UserInfo.decode("bad%+1"));
    }
}
