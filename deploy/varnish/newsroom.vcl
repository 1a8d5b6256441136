vcl 4.1;
# Varnish in front of Newsroom: anonymous public pages cached at the edge, purged by key.
#
# Django sends each cacheable page's dependency keys in the `xkey` header (settings:
# PAGE_CACHE_KEY_HEADER=xkey) and, on every edit, a PURGE naming the keys it changed
# (PAGE_CACHE_EDGE_PURGE_URLS=http://127.0.0.1:6081/). An edit is a soft purge: readers
# get the old page for the grace time while one fetch renders the new one; a removal (an
# unpublish, a delete) is a hard purge. Needs varnish-modules (vmod xkey).
# Start: varnishd -a :6081 -f /path/to/newsroom.vcl -s malloc,256m

import xkey;
import std;

backend newsroom {
    .host = "127.0.0.1";
    .port = "8000";
}

acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        if (req.http.xkey-soft) {
            set req.http.purged = xkey.softpurge(req.http.xkey-purge);
        } else {
            set req.http.purged = xkey.purge(req.http.xkey-purge);
        }
        return (synth(200, "Purged " + req.http.purged));
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    if (req.url ~ "^/(admin|ckeditor|preview|newsletter)/") {
        return (pass);
    }
    # Logged-in staff (a session) and readers with a message waiting get Django's own
    # answer; every other reader shares one copy, whatever cookies they carry.
    if (req.http.Cookie ~ "(^|;\s*)(sessionid|messages)=") {
        return (pass);
    }
    unset req.http.Cookie;
    # Keep only the query parameters pages read (Django's PAGE_CACHE_QUERY_PARAMETERS:
    # page, q, p, reply_to, after), in order: ?utm_source=1, =2, … are one copy, not one each.
    if (req.url ~ "\?") {
        set req.url = std.querysort(req.url);
        set req.url = regsuball(req.url, "([?&])(?!(page|q|p|reply_to|after)=)[^&]*", "\1");
        set req.url = regsuball(req.url, "&{2,}", "&");
        set req.url = regsub(req.url, "\?&", "?");
        set req.url = regsub(req.url, "[?&]+$", "");
    }
    return (hash);
}

sub vcl_backend_response {
    # Only what Django's page cache would share: a page with its keys and no cookie.
    if (beresp.http.xkey && !beresp.http.Set-Cookie && beresp.status == 200) {
        # As long as Django would keep it: until the next scheduled publish, at most 600 s.
        set beresp.ttl = std.duration(
            regsub(beresp.http.Surrogate-Control, "^.*max-age=([0-9]+).*$", "\1") + "s", 0s);
        set beresp.grace = 2s;
        # Browsers still revalidate every time (Django's Cache-Control is kept for them).
        unset beresp.http.Vary;
    } else {
        set beresp.uncacheable = true;
        set beresp.ttl = 120s;
    }
    return (deliver);
}

sub vcl_deliver {
    if (obj.uncacheable) {
        set resp.http.X-Edge = "PASS";
    } elsif (obj.hits > 0) {
        set resp.http.X-Edge = "HIT";
    } else {
        set resp.http.X-Edge = "MISS";
    }
    # The keys and the edge's lifetime are for the edge only.
    unset resp.http.xkey;
    unset resp.http.Surrogate-Control;
}
