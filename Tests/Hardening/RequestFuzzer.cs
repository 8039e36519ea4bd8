using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using FunctionsDashboard.SignalR;

namespace FunctionsDashboard.Tests.Hardening;

/// <summary>
/// Generates seeded mutated requests across the webhook, upstream, negotiate, SSE, history, admin and routing surfaces.
/// Every request starts from a valid one and is mutated in one class of ways; upstream mutants are signed correctly
/// (the signature is computed from the test's access key) unless their class is about the signature.
/// </summary>
public sealed class RequestFuzzer(int seed, string accessKey, string webhookSecret, string adminKey, string ownOrigin)
{
    private const string Hub = "dashboard";
    private readonly Mutator _m = new(new Random(seed));
    private int _serial;

    /// <summary>How many of each route family one run sends (10,900 in all).</summary>
    public static readonly IReadOnlyList<(string Family, int Count)> Plan =
    [
        ("webhook", 3200), ("webhook-options", 700), ("upstream", 3300), ("negotiate", 1200),
        ("sse", 600), ("history", 600), ("admin", 600), ("routing", 400), ("misc", 300),
    ];

    public IEnumerable<FuzzCase> Generate()
    {
        var families = Plan.SelectMany(p => Enumerable.Repeat(p.Family, p.Count)).ToList();
        // Interleave the families (seeded), so a class of input never runs alone against a quiet server.
        for (var i = families.Count - 1; i > 0; i--)
        {
            var j = _m.Next(i + 1);
            (families[i], families[j]) = (families[j], families[i]);
        }

        foreach (var family in families)
        {
            yield return family switch
            {
                "webhook" => Webhook(),
                "webhook-options" => WebhookOptions(),
                "upstream" => Upstream(),
                "negotiate" => Negotiate(),
                "sse" => Sse(),
                "history" => History(),
                "admin" => Admin(),
                "routing" => Routing(),
                _ => Misc(),
            };
        }
    }

    // ---------------------------------------------------------------- webhook (POST /api/eventgrid)

    private FuzzCase Webhook()
    {
        var (json, contentType, eventType) = WebhookTemplate();
        var headers = new List<KeyValuePair<string, string>> { new("aeg-event-type", eventType) };
        var path = $"/api/eventgrid?code={webhookSecret}";
        byte[] body = Encoding.UTF8.GetBytes(json.ToJsonString());
        string @class;
        switch (_m.Next(15))
        {
            case 13:
                // Valid but hostile: an id near the 4096 limit and a source with line breaks and bidi controls. Accepted;
                // what matters is that no log line carries them unbounded or unescaped.
                @class = "webhook.long-ids-accepted";
                var e = FirstEvent(json);
                e["id"] = "fz-" + Serial() + "\n" + _m.Long(3000 + _m.Next(1000)) + "\r\nFAKE LOG LINE";
                e[e.ContainsKey("topic") ? "topic" : "source"] = "/fuzz/\n\u202e" + _m.Long(_m.Next(300), ascii: false);
                body = Encoding.UTF8.GetBytes(json.ToJsonString()); // the serializer escapes the line breaks: the app decodes real ones
                break;
            case 0: case 1: @class = "webhook.bytes-mutated"; body = _m.MutateBytes(body); break;
            case 2: @class = "webhook.invalid-utf8"; body = _m.InjectInvalidUtf8(body); break;
            case 3: @class = "webhook.truncated"; body = _m.Truncate(body); break;
            case 4: case 5: @class = "webhook.json-structure"; body = Encoding.UTF8.GetBytes(MutateStructure(json).ToJsonString()); break;
            case 6: @class = "webhook.oversized-attributes"; body = Encoding.UTF8.GetBytes(Oversize(json).ToJsonString()); break;
            case 7: @class = "webhook.weird-strings"; body = Encoding.UTF8.GetBytes(WeirdStrings(json).ToJsonString()); break;
            case 8: @class = "webhook.deep-nesting"; body = Nest(json); break;
            case 9: @class = "webhook.huge-numbers"; body = HugeNumbers(body); break;
            case 10:
                @class = "webhook.bad-secret";
                path = _m.Next(4) switch
                {
                    0 => "/api/eventgrid",
                    1 => "/api/eventgrid?code=" + Uri.EscapeDataString(webhookSecret + "x"),
                    2 => "/api/eventgrid?code=%FF%FE&code=" + webhookSecret[..3],
                    _ => "/api/eventgrid?code=" + Uri.EscapeDataString(_m.WeirdText()),
                };
                if (_m.Chance(0.5))
                {
                    headers.Add(new("X-Dashboard-Webhook-Secret", _m.WeirdHeaderValue()));
                }

                break;
            case 11:
                @class = "webhook.content-type";
                contentType = _m.Pick(["text/plain", "application/xml", "", "application/cloudevents+json; charset=latin1", "application/json; charset=\u00e9", "multipart/form-data; boundary=x", "*/*", "application/json;;;"]);
                break;
            case 12:
                @class = "webhook.headers-non-ascii";
                headers[0] = new("aeg-event-type", _m.WeirdHeaderValue());
                headers.Add(new("Accept", _m.WeirdHeaderValue()));
                break;
            default:
                if (_m.Chance(0.15))
                {
                    @class = "webhook.oversize-body";
                    body = [.. "[{\"id\":\""u8, .. Encoding.ASCII.GetBytes(_m.Long(FunctionsDashboard.Relay.RelayOptions.DefaultMaxBodyBytes + 10)), .. "\"}]"u8];
                }
                else
                {
                    @class = "webhook.handshake-mutated";
                    headers[0] = new("aeg-event-type", "SubscriptionValidation");
                    body = _m.MutateBytes(Encoding.UTF8.GetBytes(
                        $$"""[{"id":"v{{Serial()}}","topic":"/fuzz","subject":"","data":{"validationCode":"{{_m.WeirdText()}}"},"eventType":"Microsoft.EventGrid.SubscriptionValidationEvent","eventTime":"2026-12-01T00:00:00Z","metadataVersion":"1","dataVersion":"2"}]"""));
                }

                break;
        }

        return new FuzzCase(@class, "POST", path, headers, body, contentType);
    }

    private (JsonNode Json, string ContentType, string EventType) WebhookTemplate()
    {
        var id = "fz-" + Serial();
        switch (_m.Next(3))
        {
            case 0:
                return (new JsonArray(new JsonObject
                {
                    ["id"] = id, ["eventType"] = "ops.metric", ["subject"] = "fuzz", ["eventTime"] = "2026-12-01T00:00:00Z",
                    ["data"] = new JsonObject { ["v"] = 1, ["s"] = "x" }, ["dataVersion"] = "1", ["topic"] = "/fuzz/eg",
                }), "application/json", "Notification");
            case 1:
                return (new JsonArray(new JsonObject
                {
                    ["specversion"] = "1.0", ["id"] = id, ["source"] = "/fuzz/ce", ["type"] = "ops.metric", ["time"] = "2026-12-01T00:00:00Z",
                    ["datacontenttype"] = "application/json", ["data"] = new JsonObject { ["v"] = 1 },
                }), "application/cloudevents-batch+json", "Notification");
            default:
                return (new JsonObject
                {
                    ["specversion"] = "1.0", ["id"] = id, ["source"] = "/fuzz/single", ["type"] = "ops.metric",
                    ["data_base64"] = "AAEC",
                }, "application/cloudevents+json", "Notification");
        }
    }

    private static JsonObject FirstEvent(JsonNode json) => json is JsonArray a ? a[0]!.AsObject() : json.AsObject();

    private JsonNode MutateStructure(JsonNode json)
    {
        var e = FirstEvent(json);
        var names = e.Select(p => p.Key).ToList();
        var name = _m.Pick(names);
        JsonNode? wrong = _m.Next(9) switch
        {
            0 => null,
            1 => 5,
            2 => true,
            3 => new JsonArray(1, 2),
            4 => new JsonObject { ["x"] = 1 },
            5 => "",
            6 => "2026-13-45T99:99:99Z",
            7 => -1.5e300,
            _ => "   ",
        };
        switch (_m.Next(5))
        {
            case 0: e.Remove(name); break;
            case 1: e[name] = wrong; break;
            case 2: return new JsonArray();
            case 3: return new JsonArray(1, "x", null, new JsonArray());
            default: return _m.Chance(0.5) ? JsonValue.Create("scalar")! : JsonValue.Create(42)!;
        }

        return json;
    }

    private JsonNode Oversize(JsonNode json)
    {
        var e = FirstEvent(json);
        var name = _m.Pick(new[] { "id", e.ContainsKey("topic") ? "topic" : "source", e.ContainsKey("eventType") ? "eventType" : "type", "subject" });
        var length = _m.Pick(new[] { 4097, 5000, 8193, 9000, 20_000 });
        e[name] = _m.Long(length, ascii: _m.Chance(0.6));
        if (name == "id")
        {
            e["id"] = _m.Long(length);
        }

        return json;
    }

    private JsonNode WeirdStrings(JsonNode json)
    {
        var e = FirstEvent(json);
        foreach (var name in new[] { "id", "source", "topic", "subject", "type", "eventType" }.Where(e.ContainsKey).Where(_ => _m.Chance(0.6)))
        {
            e[name] = name == "id" ? "fz-" + Serial() + _m.WeirdText() : _m.WeirdText() + _m.Long(_m.Next(300), ascii: false);
        }

        return json;
    }

    private byte[] Nest(JsonNode json)
    {
        var depth = _m.Pick(new[] { 65, 200, 1000, 5000 });
        var data = new string('[', depth) + new string(']', depth);
        var e = FirstEvent(json);
        e["data"] = "__NEST__";
        return Encoding.UTF8.GetBytes(json.ToJsonString().Replace("\"__NEST__\"", data, StringComparison.Ordinal));
    }

    private byte[] HugeNumbers(byte[] body)
    {
        var text = Encoding.UTF8.GetString(body);
        var number = _m.Pick(new[] { "1e999999", "-0", "123456789012345678901234567890123456789", "0.0000000000000000000000000001e-400", "-9223372036854775809" });
        return Encoding.UTF8.GetBytes(text.Replace(":1", ":" + number, StringComparison.Ordinal).Replace("\"2026-12-01T00:00:00Z\"", number, StringComparison.Ordinal));
    }

    // ---------------------------------------------------------------- webhook OPTIONS (abuse protection)

    private FuzzCase WebhookOptions()
    {
        var headers = new List<KeyValuePair<string, string>>();
        var path = $"/api/eventgrid?code={webhookSecret}";
        string @class;
        switch (_m.Next(4))
        {
            case 0: case 1: @class = "webhook-options.origin-non-ascii-or-long"; headers.Add(new("WebHook-Request-Origin", _m.WeirdHeaderValue())); break;
            case 2:
                @class = "webhook-options.rate-and-origin-odd";
                headers.Add(new("WebHook-Request-Origin", _m.Pick(new[] { "eventgrid.azure.net", " ", "a b c", "*", _m.Long(2049) })));
                headers.Add(new("WebHook-Request-Rate", _m.Pick(new[] { "-1", "999999999999999999999", "abc", "\u00e9", "120" })));
                break;
            default:
                @class = "webhook-options.bad-secret";
                path = "/api/eventgrid?code=" + Uri.EscapeDataString(_m.WeirdText());
                headers.Add(new("WebHook-Request-Origin", _m.WeirdHeaderValue()));
                break;
        }

        return new FuzzCase(@class, "OPTIONS", path, headers, null, null);
    }

    // ---------------------------------------------------------------- upstream (POST /api/signalr/upstream)

    private FuzzCase Upstream()
    {
        var connectionId = "fzc" + Serial().ToString(CultureInfo.InvariantCulture);
        var (category, @event, body) = _m.Next(3) switch
        {
            0 => ("connections", "connected", """{"type":10}"""),
            1 => ("connections", "disconnected", """{"type":11,"error":"gone"}"""),
            _ => ("messages", "heartbeat", $$"""{"type":1,"invocationId":"{{Serial()}}","target":"heartbeat","arguments":[]}"""),
        };
        var bytes = Encoding.UTF8.GetBytes(body);
        var contentType = "application/json";
        var userId = "user-" + _m.Next(5);
        var hub = Hub;
        string? signature = null;
        string? claims = "role: reader, name: fuzz";
        var omit = "";
        string @class;
        switch (_m.Next(12))
        {
            case 0: case 1: @class = "upstream.signed-bytes-mutated"; bytes = _m.MutateBytes(bytes); category = "messages"; @event = "heartbeat"; break;
            case 2: @class = "upstream.signed-invalid-utf8"; bytes = _m.InjectInvalidUtf8(Encoding.UTF8.GetBytes($$"""{"type":1,"target":"heartbeat","arguments":["x"],"invocationId":"1"}""")); category = "messages"; @event = "heartbeat"; break;
            case 3: @class = "upstream.signed-long-connection-id"; connectionId = _m.Long(_m.Pick(new[] { 129, 1000, 9000 })); break;
            case 4:
                @class = "upstream.signed-weird-ids";
                if (_m.Chance(0.5))
                {
                    connectionId = "fz" + _m.WeirdText();
                }
                else
                {
                    userId = _m.Chance(0.5) ? _m.Long(_m.Pick(new[] { 257, 2000 }), ascii: _m.Chance(0.5)) : "u\u0001" + _m.WeirdText();
                }

                break;
            case 5:
                @class = "upstream.signed-json-structure";
                category = "messages";
                @event = "heartbeat";
                bytes = Encoding.UTF8.GetBytes(_m.Pick(new[]
                {
                    """{"type":1,"target":5,"arguments":[]}""", """{"type":1,"target":"heartbeat","arguments":{}}""", """{"type":1,"target":"heartbeat","invocationId":7}""",
                    """[1,2,3]""", "\"heartbeat\"", "", """{"target":"heartbeat","arguments":[""" + new string('[', 2000) + new string(']', 2000) + "]}",
                    "{\"type\":1,\"target\":\"HEARTBEAT\",\"arguments\":[],\"invocationId\":\"" + _m.Long(5000) + "\"}", "\u001e", "{\"target\":\"heartbeat\"}\u001e\u001e",
                }));
                break;
            case 6: @class = "upstream.bad-signature"; signature = _m.Pick(new[] { "", "sha256=", "sha256=" + new string('0', 64), "md5=abc", _m.WeirdHeaderValue(), "sha256=" + _m.Long(5000) }); break;
            case 7: @class = "upstream.missing-headers"; omit = _m.Pick(new[] { "X-ASRS-Connection-Id", "X-ASRS-Hub", "X-ASRS-Category", "X-ASRS-Event" }); break;
            case 8: @class = "upstream.content-type"; contentType = _m.Pick(new[] { "text/plain", "application/x-msgpack", "", "application/json; charset=\u00e9", "application/jsonx" }); break;
            case 9:
                @class = "upstream.unknown-event-or-hub";
                if (_m.Chance(0.5))
                {
                    hub = _m.Chance(0.5) ? "other" : _m.WeirdText();
                }
                else
                {
                    (category, @event) = (_m.Pick(new[] { "messages", "connections", "x" }), _m.Pick(new[] { "shutdown", "connected2", _m.Long(200), _m.WeirdText() }));
                }

                break;
            case 10: @class = "upstream.claims-mutated"; claims = _m.Pick(new[] { _m.Long(9000), ":::, ,:, a:", _m.WeirdHeaderValue(), string.Join(", ", Enumerable.Range(0, 500).Select(i => $"c{i}: v")) }); break;
            default: @class = "upstream.signed-oversize-body"; bytes = Encoding.UTF8.GetBytes("{\"type\":10,\"pad\":\"" + _m.Long((1024 * 1024) + 1) + "\"}"); break;
        }

        var headers = new List<KeyValuePair<string, string>>
        {
            new("X-ASRS-Connection-Id", connectionId), new("X-ASRS-Hub", hub), new("X-ASRS-Category", category), new("X-ASRS-Event", @event),
            new("X-ASRS-User-Id", userId), new("X-ASRS-User-Claims", claims), new("X-ASRS-Client-Query", "?hub=dashboard&access_token=fuzz-secret-token"),
            new("X-ASRS-Signature", signature ?? UpstreamSignature.Compute(connectionId, [accessKey])),
        };
        headers.RemoveAll(h => h.Key == omit || h.Value.Length == 0);
        return new FuzzCase(@class, "POST", "/api/signalr/upstream", headers, bytes, contentType, connectionId);
    }

    // ---------------------------------------------------------------- negotiate

    private FuzzCase Negotiate()
    {
        var headers = new List<KeyValuePair<string, string>>();
        var method = "POST";
        string @class;
        switch (_m.Next(5))
        {
            case 0: @class = "negotiate.origin-odd"; headers.Add(new("Origin", _m.Chance(0.5) ? _m.WeirdHeaderValue() : _m.Pick(new[] { "null", "http://evil.example", ownOrigin, ownOrigin + "/", "file://" }))); break;
            case 1:
                @class = "negotiate.preflight-request-headers";
                method = "OPTIONS";
                headers.Add(new("Origin", ownOrigin));
                headers.Add(new("Access-Control-Request-Method", _m.Pick(new[] { "POST", "\u00e9", "GET, POST" })));
                headers.Add(new("Access-Control-Request-Headers", _m.Chance(0.6) ? _m.WeirdHeaderValue() : _m.Pick(new[] { "content-type", " , ,", "x-\u00e9, authorization", string.Join(",", Enumerable.Range(0, 300).Select(i => $"h{i}")) })));
                break;
            case 2:
                @class = "negotiate.forwarded-host-proto";
                var host = _m.WeirdHeaderValue();
                headers.Add(new("X-Forwarded-Host", host));
                headers.Add(new("X-Forwarded-Proto", _m.Pick(new[] { "https", "gopher", "\u00e9", "http://x" })));
                headers.Add(new("Origin", "https://" + host));
                if (_m.Chance(0.5))
                {
                    method = "OPTIONS";
                }

                break;
            case 3: @class = "negotiate.principal-header"; headers.Add(new("X-MS-CLIENT-PRINCIPAL-ID", _m.WeirdHeaderValue())); break;
            default:
                @class = "negotiate.body-and-type";
                return new FuzzCase(@class, "POST", "/api/negotiate?negotiateVersion=" + Uri.EscapeDataString(_m.WeirdText()), headers, _m.MutateBytes("{\"a\":1}"u8.ToArray()), _m.Pick(new[] { "application/json", "text/plain", "\u00e9" }));
        }

        return new FuzzCase(@class, method, "/api/negotiate", headers, null, null);
    }

    // ---------------------------------------------------------------- SSE, history

    private FuzzCase Sse()
    {
        var headers = new List<KeyValuePair<string, string>>();
        var query = "";
        string @class;
        switch (_m.Next(3))
        {
            case 0: @class = "sse.last-event-id"; headers.Add(new("Last-Event-ID", OddNumber())); break;
            case 1: @class = "sse.query-last-event-id"; query = "?lastEventId=" + OddQueryValue(); break;
            default: @class = "sse.stream-name"; query = "?stream=" + OddStream() + (_m.Chance(0.3) ? "&typed=" + OddQueryValue() : ""); break;
        }

        return new FuzzCase(@class, "GET", "/api/events" + query, headers, null, null, IsStream: true);
    }

    private FuzzCase History()
    {
        var parts = new List<string>();
        string @class;
        switch (_m.Next(3))
        {
            case 0: @class = "history.after"; parts.Add("after=" + OddQueryValue(number: true)); break;
            case 1: @class = "history.limit"; parts.Add("after=0"); parts.Add("limit=" + OddQueryValue(number: true)); break;
            default: @class = "history.stream"; parts.Add("after=0"); parts.Add("stream=" + OddStream()); break;
        }

        if (_m.Chance(0.2))
        {
            parts.Add(parts[0]); // repeated parameter
        }

        return new FuzzCase(@class, "GET", "/api/events/history?" + string.Join("&", parts), [], null, null);
    }

    // ---------------------------------------------------------------- admin

    private FuzzCase Admin()
    {
        var headers = new List<KeyValuePair<string, string>>();
        var redrive = _m.Chance(0.4);
        string @class;
        var query = "";
        switch (_m.Next(3))
        {
            case 0:
                @class = redrive ? "admin.redrive-bad-key" : "admin.deadletters-bad-key";
                if (_m.Chance(0.8))
                {
                    headers.Add(new("X-Dashboard-Admin-Key", _m.Chance(0.5) ? _m.WeirdHeaderValue() : adminKey[..^1]));
                }

                break;
            default:
                @class = redrive ? "admin.redrive-query" : "admin.deadletters-query";
                headers.Add(new("X-Dashboard-Admin-Key", adminKey));
                query = "?stream=" + OddStream() + (redrive || _m.Chance(0.5) ? "" : "&limit=" + OddQueryValue(number: true));
                break;
        }

        return new FuzzCase(@class, redrive ? "POST" : "GET", (redrive ? "/api/relay/deadletters/redrive" : "/api/relay/deadletters") + query, headers, null, null);
    }

    // ---------------------------------------------------------------- routing

    private FuzzCase Routing()
    {
        if (_m.Chance(0.6))
        {
            var (path, method) = _m.Pick(new[]
            {
                ("/api/eventgrid", "GET"), ("/api/eventgrid", "DELETE"), ("/api/negotiate", "GET"), ("/api/negotiate", "PUT"),
                ("/api/signalr/upstream", "GET"), ("/api/events", "POST"), ("/api/events/history", "DELETE"), ("/api/health", "POST"),
                ("/api/relay/deadletters", "POST"), ("/api/relay/deadletters/redrive", "GET"), ("/api/connections", "PATCH"), ("/api/relay/stats", "PUT"),
            });
            return new FuzzCase("routing.wrong-method", method, path, [new("Accept", _m.Pick(new[] { "text/html", "text/plain", "*/*", "application/xml" }))], method is "GET" or "DELETE" ? null : "{}"u8.ToArray(), method is "GET" or "DELETE" ? null : "application/json");
        }

        var unknown = _m.Next(4) switch
        {
            0 => "/api/nope",
            1 => "/api/%FF%FE/" + Uri.EscapeDataString(_m.WeirdText()),
            2 => "/api/" + _m.Long(4000),
            _ => "/api/events/history/..%2F..%2Fsecret",
        };
        return new FuzzCase("routing.unknown-path", _m.Pick(new[] { "GET", "POST", "DELETE" }), unknown, [new("Accept", "text/html")], null, null);
    }

    // ---------------------------------------------------------------- misc: health, relay stats, connections, duplicate headers

    private FuzzCase Misc()
    {
        switch (_m.Next(3))
        {
            case 0:
                return new FuzzCase("misc.read-routes-odd-headers", "GET", _m.Pick(new[] { "/api/health", "/api/relay/stats", "/api/connections", "/api/dashboard/" + Uri.EscapeDataString(_m.WeirdText()) }),
                    [new("Accept", _m.WeirdHeaderValue()), new("X-Forwarded-Host", _m.WeirdHeaderValue()), new("If-None-Match", _m.WeirdHeaderValue())], null, null);
            case 1:
                // Two connection ids: the signature matches the first, the registry must see the first (or refuse).
                var first = "fzd" + Serial();
                var second = _m.Chance(0.5) ? _m.Long(9000) : "fzd" + Serial();
                return new FuzzCase("misc.upstream-duplicate-headers", "POST", "/api/signalr/upstream",
                [
                    new("X-ASRS-Connection-Id", first), new("X-ASRS-Connection-Id", second), new("X-ASRS-Hub", Hub), new("X-ASRS-Hub", "other"),
                    new("X-ASRS-Category", "connections"), new("X-ASRS-Event", "connected"),
                    new("X-ASRS-Signature", UpstreamSignature.Compute(_m.Chance(0.5) ? first : second, [accessKey])),
                ], """{"type":10}"""u8.ToArray(), "application/json", first);
            default:
                return new FuzzCase("misc.webhook-duplicate-secrets", "POST", $"/api/eventgrid?code={webhookSecret}&code=wrong",
                    [new("X-Dashboard-Webhook-Secret", "wrong"), new("aeg-event-type", "Notification")],
                    Encoding.UTF8.GetBytes($$"""[{"specversion":"1.0","id":"fz-{{Serial()}}","source":"/fuzz/dup","type":"t"}]"""), "application/cloudevents-batch+json");
        }
    }

    // ---------------------------------------------------------------- helpers

    private string OddNumber() => _m.Pick(new[] { "-1", "1e3", "0x10", "99999999999999999999999", " 5", "5 ", "\u0665", "", "abc", _m.Long(3000), "9223372036854775807", "3.5", _m.WeirdHeaderValue() });

    private string OddQueryValue(bool number = false) => _m.Next(5) switch
    {
        0 => Uri.EscapeDataString(OddNumber()),
        1 => "%FF%FE%FD",
        2 => "%",
        3 => number ? "-5" : "%E2%80%AE",
        _ => Uri.EscapeDataString(_m.WeirdText()),
    };

    private string OddStream() => _m.Next(6) switch
    {
        0 => Uri.EscapeDataString(_m.Long(_m.Pick(new[] { 201, 1000, 3000 }))),
        1 => Uri.EscapeDataString(_m.WeirdText()),
        2 => "%FF",
        3 => "UPPER",
        4 => "a/b/../c",
        _ => "",
    };

    private int Serial() => Interlocked.Increment(ref _serial);
}
