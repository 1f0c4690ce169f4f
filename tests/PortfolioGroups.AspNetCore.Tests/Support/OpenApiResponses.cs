using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Json.Schema;

namespace PortfolioGroups.Tests.Support;

/// <summary>
/// Checks every answer of the API against the OpenAPI document the same server serves: the status
/// must be one the operation declares, and the body must be valid against its JSON Schema (2020-12,
/// evaluated by JsonSchema.Net). A failure throws, so the route test that made the call fails.
/// </summary>
internal sealed class OpenApiResponses : DelegatingHandler
{
    private readonly SemaphoreSlim _load = new(1, 1);
    private readonly ConcurrentDictionary<string, JsonSchema> _schemas = new(StringComparer.Ordinal);
    private List<(Regex Path, string Template, JsonObject Item)>? _paths;
    private JsonObject? _definitions;

    /// <summary>How many answers were checked against a schema, so a test can see that checking happened.</summary>
    public static int Checked => _checked;

    private static int _checked;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        var path = request.RequestUri!.AbsolutePath;
        if (!path.StartsWith("/api/v1/", StringComparison.Ordinal))
        {
            return response;
        }

        await LoadAsync(request.RequestUri, cancellationToken);
        var match = _paths!.FirstOrDefault(p => p.Path.IsMatch(path));
        if (match.Item is null || match.Item[request.Method.Method.ToLowerInvariant()] is not JsonObject operation)
        {
            return response;
        }

        var status = ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var what = $"{request.Method} {path} answered {status}";
        if (operation["responses"]?[status] is not JsonObject declared)
        {
            throw new InvalidOperationException($"{what}, a status its OpenAPI operation does not declare.");
        }

        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if (mediaType is null || declared["content"]?[mediaType]?["schema"] is not JsonNode schema)
        {
            return response;
        }

        // Buffer the body so the test can still read it.
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        var content = new StringContent(text);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(response.Content.Headers.ContentType!.ToString());
        response.Content = content;

        var key = $"{match.Template} {request.Method.Method} {status} {mediaType}";
        var compiled = _schemas.GetOrAdd(key, _ => Compile(schema));
        using var body = System.Text.Json.JsonDocument.Parse(text);
        var results = compiled.Evaluate(body.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        Interlocked.Increment(ref _checked);
        if (!results.IsValid)
        {
            var errors = (results.Details ?? []).Where(d => d.Errors is not null)
                .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}"));
            throw new InvalidOperationException($"{what} with a body that is not valid against the OpenAPI document: {string.Join("; ", errors)}\n{text[..Math.Min(text.Length, 2000)]}");
        }

        return response;
    }

    private JsonSchema Compile(JsonNode schema)
    {
        var root = new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            ["$defs"] = _definitions!.DeepClone(),
        };
        foreach (var (name, value) in schema.DeepClone().AsObject().ToList())
        {
            root[name] = value?.DeepClone();
        }

        // A registry of its own: the default one is shared and not thread-safe, and fixtures run in
        // parallel, so a compile beside another's evaluation could lose its $defs (RefResolutionException).
        return JsonSchema.FromText(root.ToJsonString(), new BuildOptions { SchemaRegistry = new SchemaRegistry() });
    }

    private async Task LoadAsync(Uri uri, CancellationToken cancellationToken)
    {
        if (_paths is not null)
        {
            return;
        }

        await _load.WaitAsync(cancellationToken);
        try
        {
            if (_paths is not null)
            {
                return;
            }

            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(uri, "/openapi/v1.json"));
            using var response = await base.SendAsync(request, cancellationToken);
            response.EnsureSuccessStatusCode();
            var text = (await response.Content.ReadAsStringAsync(cancellationToken)).Replace("#/components/schemas/", "#/$defs/", StringComparison.Ordinal);
            var document = JsonNode.Parse(text)!;
            _definitions = document["components"]!["schemas"]!.AsObject();
            var paths = new List<(Regex, string, JsonObject)>();
            foreach (var (template, item) in document["paths"]!.AsObject())
            {
                // A literal segment outranks a parameter, as in routing: try the templates with fewer parameters first.
                var pattern = "^" + Regex.Replace(Regex.Escape(template.TrimEnd('/')), @"\\\{[^/]+?}", "[^/]+") + "/?$";
                paths.Add((new Regex(pattern), template, item!.AsObject()));
            }

            _paths = [.. paths.OrderBy(p => p.Item2.Count(c => c == '{'))];
        }
        finally
        {
            _load.Release();
        }
    }
}
