using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace PortfolioGroups.Cli;

/// <summary>Where a verb writes its result: text lines, or JSON with --json.</summary>
internal static class Output
{
    private static readonly JsonWriterOptions JsonOptions = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

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

    /// <summary>Flushes the JSON written so far every <paramref name="every"/> items, so a long listing streams.</summary>
    public static async Task FlushSometimesAsync(Utf8JsonWriter writer, long count, CancellationToken ct, int every = 1000)
    {
        if (count % every == 0)
        {
            await writer.FlushAsync(ct);
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
