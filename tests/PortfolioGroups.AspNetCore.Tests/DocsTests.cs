using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using PortfolioGroups.Tests.Scripts;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Http;

/// <summary>
/// Runs every example of docs/http-api-v1.md, in order, on a fresh database, and holds each
/// response to the documented one. Uids differ from run to run: a uid the document shows is
/// matched to the uid the run returned at the same place, then used in later requests.
/// </summary>
[TestFixture(Db.Sqlite)]
[TestFixture(Db.Postgres)]
public sealed partial class DocsTests(Db db) : ApiTest(db)
{
    [GeneratedRegex("```http\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex HttpBlock();

    [GeneratedRegex("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")]
    private static partial Regex UidPattern();

    private readonly Dictionary<Guid, Guid> _docToReal = [];
    private readonly Dictionary<Guid, Guid> _realToDoc = [];
    private readonly Dictionary<string, string> _cursorToReal = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _cursorToDoc = new(StringComparer.Ordinal);

    [Test]
    public async Task Every_example_in_the_http_api_doc_runs_as_documented()
    {
        var doc = (await File.ReadAllTextAsync(Path.Combine(RepositoryFiles.Root(), "docs", "http-api-v1.md"))).ReplaceLineEndings("\n");
        var blocks = HttpBlock().Matches(doc).Select(m => m.Groups[1].Value).ToList();
        blocks.Should().HaveCountGreaterThan(40);
        (blocks.Count % 2).Should().Be(0, "each request block is followed by its response block");

        var operations = new HashSet<string>();
        for (var i = 0; i < blocks.Count; i += 2)
        {
            var (requestHead, _, requestBody) = Split(blocks[i]);
            var (responseHead, responseHeaders, responseBody) = Split(blocks[i + 1]);
            var parts = requestHead.Split(' ', 2);
            var (method, path) = (parts[0], ToReal(parts[1]));
            var what = $"example {i / 2 + 1}: {requestHead}";
            operations.Add($"{method} {Regex.Replace(parts[1].Split('?')[0], "[0-9a-f-]{36}", "{}")}");

            using var request = new HttpRequestMessage(new HttpMethod(method), path);
            if (requestBody.Length > 0)
            {
                request.Content = new StringContent(ToReal(requestBody), Encoding.UTF8, "application/json");
            }

            using var response = await Client.SendAsync(request);
            var actualText = await response.Content.ReadAsStringAsync();
            $"HTTP/1.1 {(int)response.StatusCode}".Should().Be(string.Join(' ', responseHead.Split(' ').Take(2)), $"{what} answered {actualText}");
            if (responseHeaders.TryGetValue("Content-Type", out var contentType))
            {
                (response.Content.Headers.ContentType?.ToString()).Should().Be(contentType, what);
            }

            if (responseBody.Length > 0)
            {
                var actual = JsonNode.Parse(actualText);
                (actual as JsonObject)?.Remove("traceId");
                Learn(JsonNode.Parse(responseBody), actual);
                Compare(JsonNode.Parse(responseBody), actual, what, "$");
            }
            else
            {
                actualText.Should().BeEmpty(what);
            }

            if (responseHeaders.TryGetValue("Location", out var location))
            {
                ToDoc(response.Headers.Location!.ToString()).Should().Be(location, what);
            }
        }

        // Every route of the v1 table appears at least once.
        operations.Should().HaveCountGreaterThanOrEqualTo(21);
    }

    private static (string Head, Dictionary<string, string> Headers, string Body) Split(string block)
    {
        var split = block.IndexOf("\n\n", StringComparison.Ordinal);
        var head = split < 0 ? block.TrimEnd('\n') : block[..split];
        var body = split < 0 ? "" : block[(split + 2)..].Trim();
        var lines = head.Split('\n');
        var headers = lines.Skip(1).Select(l => l.Split(": ", 2)).ToDictionary(h => h[0], h => h[1], StringComparer.OrdinalIgnoreCase);
        return (lines[0], headers, body);
    }

    /// <summary>Walks the documented and the actual JSON together, pairing each documented uid (and opaque page cursor) with the actual one at its place.</summary>
    private void Learn(JsonNode? expected, JsonNode? actual)
    {
        switch (expected)
        {
            case JsonValue value when value.TryGetValue<string>(out var url) && Cursor(url) is { } docCursor
                                      && actual is JsonValue other && other.TryGetValue<string>(out var actualUrl) && Cursor(actualUrl) is { } realCursor:
                _cursorToReal.TryAdd(docCursor, realCursor);
                _cursorToDoc.TryAdd(realCursor, docCursor);
                break;
            case JsonValue value when value.TryGetValue<string>(out var text) && Guid.TryParseExact(text, "D", out var docUid)
                                      && actual is JsonValue other && other.TryGetValue<string>(out var actualText) && Guid.TryParseExact(actualText, "D", out var realUid):
                if (!_docToReal.ContainsKey(docUid) && !_realToDoc.ContainsKey(realUid))
                {
                    _docToReal[docUid] = realUid;
                    _realToDoc[realUid] = docUid;
                }

                break;
            case JsonArray array when actual is JsonArray actualArray:
                for (var i = 0; i < Math.Min(array.Count, actualArray.Count); i++)
                {
                    Learn(array[i], actualArray[i]);
                }

                break;
            case JsonObject obj when actual is JsonObject actualObject:
                foreach (var (key, child) in obj)
                {
                    if (actualObject.TryGetPropertyValue(key, out var actualChild))
                    {
                        Learn(child, actualChild);
                    }
                }

                break;
        }
    }

    private void Compare(JsonNode? expected, JsonNode? actual, string what, string at)
    {
        switch (expected)
        {
            case null:
                actual.Should().BeNull($"{what} at {at}");
                break;
            case JsonObject obj:
                actual.Should().BeOfType<JsonObject>($"{what} at {at}");
                var actualObject = actual!.AsObject().ToDictionary(p => ToDoc(p.Key), p => p.Value);
                actualObject.Keys.Should().BeEquivalentTo(obj.Select(p => p.Key), $"{what} at {at}");
                foreach (var (key, child) in obj)
                {
                    Compare(child, actualObject[key], what, $"{at}.{key}");
                }

                break;
            case JsonArray array:
                actual.Should().BeOfType<JsonArray>($"{what} at {at}");
                actual!.AsArray().Count.Should().Be(array.Count, $"{what} at {at}");
                for (var i = 0; i < array.Count; i++)
                {
                    Compare(array[i], actual.AsArray()[i], what, $"{at}[{i}]");
                }

                break;
            case JsonValue value when value.TryGetValue<string>(out var text):
                actual.Should().NotBeNull($"{what} at {at}");
                ToDoc(actual!.GetValue<string>()).Should().Be(text, $"{what} at {at}");
                break;
            default:
                JsonNode.DeepEquals(expected, actual).Should().BeTrue($"{what} at {at}: expected {expected.ToJsonString()}, got {actual?.ToJsonString()}");
                break;
        }
    }

    /// <summary>Text with the document's uids (hyphenated or as 32 digits) and page cursors replaced by the run's.</summary>
    private string ToReal(string text) => Replace(Replace(text, _cursorToReal), _docToReal);

    private string ToDoc(string text) => Replace(Replace(text, _cursorToDoc), _realToDoc);

    /// <summary>The <c>cursor</c> query parameter of a URL, or null.</summary>
    private static string? Cursor(string url) => Regex.Match(url, "[?&]cursor=([^&]+)") is { Success: true } m ? m.Groups[1].Value : null;

    private static string Replace(string text, Dictionary<string, string> map)
    {
        foreach (var (from, to) in map)
        {
            text = text.Replace(from, to, StringComparison.Ordinal);
        }

        return text;
    }

    private static string Replace(string text, Dictionary<Guid, Guid> map)
    {
        foreach (var (from, to) in map)
        {
            text = text.Replace(from.ToString("D"), to.ToString("D"), StringComparison.Ordinal)
                .Replace(from.ToString("N"), to.ToString("N"), StringComparison.Ordinal);
        }

        return text;
    }
}
