using System.CommandLine;

namespace PortfolioGroups.Cli;

/// <summary><c>schema check</c>: drift between the model and the database's tables.</summary>
internal static class SchemaCommands
{
    public static Command Create()
    {
        var check = new Command("check", $"Compare the library's tables in the database with the model (columns, types, keys, cascade rules, indexes); exit {ExitCodes.SchemaDrift} on drift.");
        check.SetAction(CheckAsync);
        return new Command("schema", "Inspect the database's physical schema.") { check };
    }

    private static async Task<int> CheckAsync(ParseResult parse, CancellationToken ct)
    {
        await using var store = await Settings.OpenAsync(parse, forMigrate: false, ct);
        var result = await store.CheckSchemaAsync(ct);
        if (Output.IsJson(parse))
        {
            await Output.WriteJsonAsync(
                json =>
                {
                    json.WriteStartObject();
                    json.WriteBoolean("drift", result.HasDrift);
                    json.WriteStartArray("differences");
                    foreach (var difference in result.Differences)
                    {
                        json.WriteStringValue(difference);
                    }

                    json.WriteEndArray();
                    json.WriteEndObject();
                    return Task.CompletedTask;
                },
                ct);
        }
        else if (result.HasDrift)
        {
            foreach (var difference in result.Differences)
            {
                await Output.Text.WriteLineAsync(difference);
            }
        }
        else
        {
            await Output.Text.WriteLineAsync("The schema matches the model.");
        }

        if (result.HasDrift)
        {
            await Console.Error.WriteLineAsync($"portfolio-groups: schema drift: {result.Differences.Count} difference(s) between the database and the model (listed on stdout).");
            return ExitCodes.SchemaDrift;
        }

        return ExitCodes.Success;
    }
}
