using System.CommandLine;

namespace PortfolioGroups.Cli;

/// <summary><c>catalog show</c>: the catalog table, as the database records it.</summary>
internal static class CatalogCommands
{
    public static Command Create()
    {
        var show = new Command("show", "Show the catalog: each table's MetaTable identifier, physical name, description and columns.");
        show.SetAction(ShowAsync);
        return new Command("catalog", "Inspect the catalog the migrations keep in the database.") { show };
    }

    private static async Task<int> ShowAsync(ParseResult parse, CancellationToken ct)
    {
        await using var store = await Settings.OpenAsync(parse, forMigrate: false, ct);
        var entries = await store.ReadCatalogAsync(ct);
        if (Output.IsJson(parse))
        {
            await Output.WriteJsonAsync(
                json =>
                {
                    json.WriteStartArray();
                    foreach (var entry in entries)
                    {
                        json.WriteStartObject();
                        json.WriteString("meta_table_identifier", entry.MetaTableIdentifier);
                        json.WriteString("physical_name", entry.PhysicalName);
                        json.WriteString("description", entry.Description);
                        json.WriteNumber("schema_version", entry.SchemaVersion);
                        json.WriteStartArray("columns");
                        foreach (var column in entry.Columns)
                        {
                            json.WriteStartObject();
                            json.WriteString("name", column.Name);
                            json.WriteString("label", column.Label);
                            json.WriteString("description", column.Description);
                            json.WriteString("kind", column.Kind);
                            json.WriteBoolean("nullable", column.IsNullable);
                            if (column.MaxLength is { } max)
                            {
                                json.WriteNumber("max_length", max);
                            }
                            else
                            {
                                json.WriteNull("max_length");
                            }

                            json.WriteEndObject();
                        }

                        json.WriteEndArray();
                        json.WriteEndObject();
                    }

                    json.WriteEndArray();
                    return Task.CompletedTask;
                },
                ct);
            return ExitCodes.Success;
        }

        foreach (var entry in entries)
        {
            await Output.Text.WriteLineAsync($"{entry.MetaTableIdentifier} ({entry.PhysicalName}, schema version {entry.SchemaVersion}): {entry.Description}");
            foreach (var column in entry.Columns)
            {
                var type = column.MaxLength is { } max ? $"{column.Kind}({max})" : column.Kind;
                await Output.Text.WriteLineAsync($"  {column.Name,-22} {type,-18} {(column.IsNullable ? "null" : "not null"),-9} {column.Label}: {column.Description}");
            }
        }

        return ExitCodes.Success;
    }
}
