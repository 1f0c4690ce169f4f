using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace PortfolioGroups.AspNetCore.Http;

/// <summary>
/// A request's JSON object body, read within a byte limit, with typed access to its fields. Every
/// problem is collected under the field's name (unknown fields, wrong types, a missing required
/// field), so one 400 answer names them all; the values' own rules are Core's.
/// </summary>
internal sealed class RequestBody
{
    /// <summary>The body limit of single-row routes.</summary>
    public const long DefaultLimit = 1024 * 1024;

    /// <summary>The body limit of bulk routes: 40,000 uids take about 1.6 MB, 40,000 identifiers of 255 characters about 10.4 MB.</summary>
    public const long BulkLimit = 12 * 1024 * 1024;

    private readonly JsonElement _root;

    private RequestBody(JsonElement root) => _root = root;

    public FieldErrors Errors { get; } = new();

    /// <summary>
    /// Reads the body as one JSON object whose fields are among <paramref name="fields"/>; a
    /// problem with the body as a whole is thrown as a <see cref="HttpProblemException"/>.
    /// </summary>
    public static async Task<RequestBody> ReadAsync(HttpRequest request, long limit, IReadOnlyCollection<string> fields, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
        {
            throw TooLarge(limit);
        }

        if (request.ContentType is { } contentType && !IsJson(contentType))
        {
            throw new HttpProblemException(StatusCodes.Status415UnsupportedMediaType, $"The body must be JSON (Content-Type application/json), not '{contentType}'.");
        }

        // Sized to a declared length (a small body takes a small buffer); grown in 16 KiB steps otherwise.
        var declared = request.ContentLength is { } length and > 0 ? (int)length + 1 : 16 * 1024;
        var buffer = new ArrayBufferWriter<byte>(declared);
        while (true)
        {
            var memory = buffer.GetMemory(buffer.FreeCapacity > 0 ? 1 : 16 * 1024);
            int read;
            try
            {
                read = await request.Body.ReadAsync(memory, cancellationToken).ConfigureAwait(false);
            }
            catch (BadHttpRequestException ex)
            {
                throw new HttpProblemException(ex.StatusCode, "The request body could not be read.");
            }

            if (read == 0)
            {
                break;
            }

            buffer.Advance(read);
            if (buffer.WrittenCount > limit)
            {
                throw TooLarge(limit);
            }
        }

        if (buffer.WrittenCount == 0)
        {
            throw FieldErrors.Single("body", "A JSON object is required.");
        }

        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(buffer.WrittenMemory, new JsonDocumentOptions { MaxDepth = 128 });
            root = document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            var where = ex.LineNumber is { } line ? $" at line {line + 1}, position {(ex.BytePositionInLine ?? 0) + 1}" : "";
            throw FieldErrors.Single("body", $"Malformed JSON{where}.");
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            throw FieldErrors.Single("body", $"Must be a JSON object, not a JSON {Kind(root)}.");
        }

        var body = new RequestBody(root);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in root.EnumerateObject())
        {
            string name;
            try
            {
                name = property.Name;
            }
            catch (InvalidOperationException)
            {
                body.Errors.Add("body", "A field name is not valid Unicode (an unpaired surrogate).");
                continue;
            }

            if (!fields.Contains(name))
            {
                body.Errors.Add(name, $"Unknown field; this route takes {string.Join(", ", fields)}.");
            }
            else if (!seen.Add(name))
            {
                body.Errors.Add(name, "Given more than once.");
            }
        }

        return body;
    }

    /// <summary>Whether the field is present (with any value, null included).</summary>
    public bool Has(string name) => _root.TryGetProperty(name, out _);

    /// <summary>A string field: null when absent or null; a missing required field or a non-string is an error.</summary>
    public string? String(string name, bool required = false)
    {
        if (!_root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            if (required)
            {
                Errors.Add(name, "This field is required.");
            }

            return null;
        }

        return Text(value, name, out var text) ? text : null;
    }

    /// <summary>A JSON string's text; anything else (or text that is not valid Unicode) is an error under <paramref name="field"/>.</summary>
    private bool Text(JsonElement value, string field, out string text)
    {
        text = "";
        if (value.ValueKind != JsonValueKind.String)
        {
            Errors.Add(field, $"Must be a string, not a JSON {Kind(value)}.");
            return false;
        }

        try
        {
            text = value.GetString()!;
            return true;
        }
        catch (InvalidOperationException)
        {
            Errors.Add(field, "Is not valid Unicode (an unpaired surrogate).");
            return false;
        }
    }

    /// <summary>A field for a partial update: unset when absent, else its string value or null.</summary>
    public Change<string?> StringChange(string name) => Has(name) ? Change.To(String(name)) : default;

    /// <summary>A JSON object field: null (and an error) when absent, null or not an object.</summary>
    public JsonElement? RequiredObject(string name)
    {
        if (!_root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            Errors.Add(name, "This field is required.");
            return null;
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            Errors.Add(name, $"Must be a JSON object, not a JSON {Kind(value)}.");
            return null;
        }

        return value;
    }

    /// <summary>The kind of a JSON value as an error message names it.</summary>
    public static string KindOf(JsonElement element) => Kind(element);

    /// <summary>A JSON value field (metadata): null when absent or null; Core checks it is an object.</summary>
    public JsonElement? Json(string name) =>
        _root.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    /// <summary>A JSON value field for a partial update: unset when absent; null clears.</summary>
    public Change<JsonElement?> JsonChange(string name) => Has(name) ? Change.To(Json(name)) : default;

    /// <summary>A uid field: null when absent or null.</summary>
    public Guid? Uid(string name)
    {
        var text = String(name);
        if (text is null)
        {
            return null;
        }

        if (!Uids.TryParse(text, out var uid))
        {
            Errors.Add(name, $"'{Uids.Shorten(text)}' is not a UUID.");
            return null;
        }

        return uid;
    }

    /// <summary>An array of uids: null when absent or null; each bad item is named by its position.</summary>
    public List<Guid>? UidList(string name) => List(name, (item, field) =>
    {
        if (!Text(item, field, out var text))
        {
            return (false, default);
        }

        if (Uids.TryParse(text, out var uid))
        {
            return (true, uid);
        }

        Errors.Add(field, $"'{Uids.Shorten(text)}' is not a UUID.");
        return (false, default);
    });

    /// <summary>An array of strings: null when absent or null; each bad item is named by its position.</summary>
    public List<string>? StringList(string name) => List(name, (item, field) =>
    {
        var ok = Text(item, field, out var text);
        return (ok, text);
    });

    private List<T>? List<T>(string name, Func<JsonElement, string, (bool Ok, T Value)> read)
    {
        if (!_root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            Errors.Add(name, $"Must be an array, not a JSON {Kind(value)}.");
            return null;
        }

        var list = new List<T>(value.GetArrayLength());
        var position = 0;
        foreach (var item in value.EnumerateArray())
        {
            var (ok, parsed) = read(item, $"{name}[{position}]");
            if (ok)
            {
                list.Add(parsed);
            }

            position++;
        }

        return list;
    }

    /// <summary>Throws the collected field errors as one 400 answer, if there are any.</summary>
    public void ThrowIfInvalid() => Errors.ThrowIfAny();

    private static HttpProblemException TooLarge(long limit) =>
        new(StatusCodes.Status413PayloadTooLarge, $"The request body is larger than this route's limit of {limit:N0} bytes.");

    private static bool IsJson(string contentType)
    {
        var mediaType = contentType.Split(';', 2)[0].Trim();
        return mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
               || (mediaType.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase));
    }

    private static string Kind(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.True or JsonValueKind.False => "boolean",
        _ => element.ValueKind.ToString().ToLowerInvariant(),
    };
}
