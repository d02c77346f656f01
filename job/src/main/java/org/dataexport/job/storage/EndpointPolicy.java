package org.dataexport.job.storage;

import java.io.Serializable;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Pattern;

/**
 * Which S3 endpoints the server may connect to for a caller ({@code storage.allowed_endpoints}).
 * Entries are host names ({@code s3.example.com}), host patterns ({@code *.example.com}: any name
 * below), or CIDR ranges ({@code 10.1.0.0/16}, {@code [fd12::]/64}), each optionally with a port
 * ({@code minio.local:9000}, {@code 10.1.0.0/16:9000}). An endpoint is allowed when its name matches
 * a name entry or every address it resolves to lies in a range entry, and, in both cases, every
 * address that is loopback, link-local, private, unique-local or otherwise not public lies in a range
 * entry: a name never vouches for a private address. Checked on addresses after resolving, at request
 * time and again before every request the S3 client sends ({@link EndpointGuard}), so a name that
 * later resolves elsewhere (DNS rebinding) is refused too.
 */
public final class EndpointPolicy implements Serializable {
    /** AWS's own S3 endpoints. */
    public static final String DEFAULT = "*.amazonaws.com,*.amazonaws.com.cn";
    public static final String SETTING = "storage.allowed_endpoints";

    private static final Pattern NAME = Pattern.compile("(\\*\\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*");
    private static final Pattern IPV4 = Pattern.compile("[0-9]{1,3}(\\.[0-9]{1,3}){3}");

    private final String spec;
    private final List<Rule> rules;

    private record Rule(Optional<String> name, Optional<byte[]> network, int prefixBits, OptionalInt port) implements Serializable {
        boolean portMatches(int endpointPort) {
            return port.isEmpty() || port.getAsInt() == endpointPort;
        }

        boolean nameMatches(String host) {
            return name.map(pattern -> pattern.startsWith("*.") ? host.endsWith(pattern.substring(1)) : host.equals(pattern)).orElse(false);
        }

        boolean contains(InetAddress address) {
            return network.map(net -> inRange(address.getAddress(), net, prefixBits)).orElse(false);
        }
    }

    private EndpointPolicy(String spec, List<Rule> rules) {
        this.spec = spec;
        this.rules = List.copyOf(rules);
    }

    /** Parses the setting; a malformed entry is a configuration error (IllegalArgumentException). */
    public static EndpointPolicy parse(String spec) {
        List<Rule> rules = new ArrayList<>();
        List<String> entries = Arrays.stream(spec.split(",")).map(String::trim).filter(entry -> !entry.isEmpty()).toList();
        for (String entry : entries) {
            rules.add(parseEntry(entry.toLowerCase(Locale.ROOT)));
        }
        return new EndpointPolicy(String.join(",", entries), rules);
    }

    /** This policy with one more entry (the embedded S3 server's own endpoint). */
    public EndpointPolicy plus(String entry) {
        return parse(spec.isEmpty() ? entry : spec + "," + entry);
    }

    public String spec() {
        return spec;
    }

    /**
     * Refuses an endpoint this server must not connect to. {@code field} names the request field in
     * the message; addresses are never shown (that would read DNS back to the caller).
     */
    public void check(String host, int port) {
        String lower = host.toLowerCase(Locale.ROOT);
        String name = lower.startsWith("[") && lower.endsWith("]") ? lower.substring(1, lower.length() - 1) : lower;
        boolean literal = IPV4.matcher(name).matches() || name.contains(":");
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(name);
        } catch (UnknownHostException | SecurityException e) {
            throw new EndpointRefusedException("host " + org.dataexport.job.failure.CallerText.quote(host) + " does not resolve");
        }
        boolean byName = !literal && rules.stream().anyMatch(rule -> rule.portMatches(port) && rule.nameMatches(name));
        boolean byRange = Arrays.stream(addresses).allMatch(address -> inAllowedRange(address, port));
        if (!byName && !byRange) {
            throw new EndpointRefusedException(org.dataexport.job.failure.CallerText.quote(host + ":" + port)
                    + " is not an endpoint this server may connect to (" + SETTING + ")");
        }
        for (InetAddress address : addresses) {
            if (!isPublic(address) && !inAllowedRange(address, port)) {
                throw new EndpointRefusedException(org.dataexport.job.failure.CallerText.quote(host + ":" + port)
                        + " resolves to a loopback, link-local, private or reserved address, which " + SETTING
                        + " does not list as a range");
            }
        }
    }

    private boolean inAllowedRange(InetAddress address, int port) {
        return rules.stream().anyMatch(rule -> rule.portMatches(port) && rule.contains(address));
    }

    /** False for loopback, link-local, private, unique-local, multicast, unspecified and reserved addresses. */
    static boolean isPublic(InetAddress address) {
        if (address.isAnyLocalAddress() || address.isLoopbackAddress() || address.isLinkLocalAddress()
                || address.isSiteLocalAddress() || address.isMulticastAddress()) {
            return false;
        }
        byte[] b = address.getAddress();
        if (address instanceof Inet4Address) {
            int first = b[0] & 0xff;
            int second = b[1] & 0xff;
            return first != 0 && first < 224                    // this network, multicast, reserved, broadcast
                    && !(first == 100 && second >= 64 && second < 128)   // carrier-grade NAT
                    && !(first == 192 && second == 0 && (b[2] & 0xff) == 0) // IETF protocol assignments
                    && !(first == 198 && (second == 18 || second == 19));  // benchmarking
        }
        if (address instanceof Inet6Address six) {
            if (six.isIPv4CompatibleAddress()) {
                return false;
            }
            int first = b[0] & 0xff;
            boolean uniqueLocal = (first & 0xfe) == 0xfc;                           // fc00::/7, fd00:ec2::254 among them
            boolean nat64 = first == 0x00 && b[1] == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b; // 64:ff9b::/96
            boolean sixToFour = first == 0x20 && b[1] == 0x02;                      // 2002::/16 embeds an IPv4 address
            boolean documentation = first == 0x20 && b[1] == 0x01 && (b[2] & 0xff) == 0x0d && (b[3] & 0xff) == 0xb8;
            return !uniqueLocal && !nat64 && !sixToFour && !documentation && first != 0xff;
        }
        return false;
    }

    private static Rule parseEntry(String entry) {
        String hostPart = entry;
        OptionalInt port = OptionalInt.empty();
        if (entry.startsWith("[")) {
            int close = entry.indexOf(']');
            if (close < 0) {
                throw invalid(entry);
            }
            hostPart = entry.substring(1, close);
            String rest = entry.substring(close + 1);
            if (rest.startsWith("/")) {
                int colon = rest.indexOf(':');
                hostPart += colon < 0 ? rest : rest.substring(0, colon);
                rest = colon < 0 ? "" : rest.substring(colon);
            }
            if (!rest.isEmpty()) {
                port = parsePort(entry, rest.startsWith(":") ? rest.substring(1) : "x");
            }
        } else if (entry.indexOf(':') >= 0 && entry.indexOf(':') == entry.lastIndexOf(':')) {
            hostPart = entry.substring(0, entry.indexOf(':'));
            port = parsePort(entry, entry.substring(entry.indexOf(':') + 1));
        }
        String[] range = hostPart.split("/", -1);
        boolean isAddress = IPV4.matcher(range[0]).matches() || range[0].contains(":");
        if (!isAddress) {
            if (range.length != 1 || !NAME.matcher(hostPart).matches()) {
                throw invalid(entry);
            }
            return new Rule(Optional.of(hostPart), Optional.empty(), 0, port);
        }
        byte[] network;
        try {
            network = InetAddress.getByName(range[0]).getAddress();
        } catch (UnknownHostException e) {
            throw invalid(entry);
        }
        int bits = network.length * 8;
        if (range.length == 2) {
            bits = Integer.parseInt(range[1].matches("[0-9]{1,3}") ? range[1] : "-1");
        }
        if (range.length > 2 || bits < 0 || bits > network.length * 8) {
            throw invalid(entry);
        }
        return new Rule(Optional.empty(), Optional.of(network), bits, port);
    }

    private static OptionalInt parsePort(String entry, String port) {
        if (!port.matches("[0-9]{1,5}") || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65535) {
            throw invalid(entry);
        }
        return OptionalInt.of(Integer.parseInt(port));
    }

    private static IllegalArgumentException invalid(String entry) {
        return new IllegalArgumentException(SETTING + ": \"" + entry + "\" is not a host name, *.domain pattern or CIDR range, "
                + "with an optional :port (IPv6 in brackets: [fd12::]/64:9000)");
    }

    private static boolean inRange(byte[] address, byte[] network, int bits) {
        if (address.length != network.length) {
            return false;
        }
        for (int i = 0; i < bits; i++) {
            int mask = 0x80 >>> (i % 8);
            if ((address[i / 8] & mask) != (network[i / 8] & mask)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return SETTING + "=" + spec;
    }
}
