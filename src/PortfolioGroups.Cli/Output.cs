using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace PortfolioGroups.Cli;

/// <summary>Where a verb writes its result: text lines, or JSON with --json.</summary>
internal static class Output
{
    // Stored metadata can nest up to 1,000 levels (rows written by plain SQL before the database refused
    // more than 64), inside the output's own array and object.
    private static readonly JsonWriterOptions JsonOptions = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, MaxDepth = 1_024 };

    public static bool IsJson(ParseResult parse) => parse.GetValue(Settings.Json);

    public static TextWriter Text => Console.Out;

    /// <summary>Writes one JSON document to stdout, flushing as it goes (a listing streams).</summary>
    public static async Task WriteJsonAsync(Func<Utf8JsonWriter, Task> write, CancellationToken ct)
    {
        await Console.Out.FlushAsync(ct);
        var stdout = Console.OpenStandardOutput();
        await using (stdout)
        {
            var writer = new Utf8JsonWriter(stdout, JsonOptions);
            await using (writer)
            {
                await write(writer);
                await writer.FlushAsync(ct);
            }

            await stdout.WriteAsync("\n"u8.ToArray(), ct);
        }
    }

    /// <summary>
    /// Writes a listing as one JSON array on stdout, an item at a time, flushing every
    /// <paramref name="flushEvery"/> items so a long listing streams.
    /// </summary>
    public static Task WriteJsonArrayAsync<T>(IAsyncEnumerable<T> items, Action<Utf8JsonWriter, T> writeItem, CancellationToken ct, int flushEvery = 1000) =>
        WriteJsonAsync(
            async json =>
            {
                json.WriteStartArray();
                long written = 0;
                await foreach (var item in items.WithCancellation(ct))
                {
                    writeItem(json, item);
                    if (++written % flushEvery == 0)
                    {
                        await json.FlushAsync(ct);
                    }
                }

                json.WriteEndArray();
            },
            ct);

    /// <summary>
    /// What a delete verb did: <c>{"deleted", "named"}</c> in JSON, else one line saying how many
    /// of the distinct names given existed and were deleted.
    /// </summary>
    public static async Task WriteDeletedAsync(ParseResult parse, int deleted, IEnumerable<string> names, string noun, CancellationToken ct)
    {
        var named = names.Distinct(StringComparer.Ordinal).Count();
        if (IsJson(parse))
        {
            await WriteJsonAsync(
                json =>
                {
                    json.WriteStartObject();
                    json.WriteNumber("deleted", deleted);
                    json.WriteNumber("named", named);
                    json.WriteEndObject();
                    return Task.CompletedTask;
                },
                ct);
        }
        else
        {
            var missing = deleted == named ? "." : $"; {named - deleted} did not exist.";
            await Text.WriteLineAsync($"Deleted {deleted} of {named} named {noun}(s){missing}");
        }
    }

    public static void WriteVersions(Utf8JsonWriter writer, string name, IEnumerable<long> versions)
    {
        writer.WriteStartArray(name);
        foreach (var version in versions)
        {
            writer.WriteNumberValue(version);
        }

        writer.WriteEndArray();
    }

    public static void WriteStatus(Utf8JsonWriter writer, MigrationStatus status)
    {
        writer.WriteNumber("current_version", status.CurrentVersion);
        writer.WriteBoolean("up_to_date", status.IsUpToDate);
        WriteVersions(writer, "applied", status.AppliedVersions);
        WriteVersions(writer, "pending", status.PendingVersions);
    }

    public static string List(IEnumerable<long> versions)
    {
        var text = string.Join(", ", versions);
        return text.Length == 0 ? "none" : text;
    }
}
