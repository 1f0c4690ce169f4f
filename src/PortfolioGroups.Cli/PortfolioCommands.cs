using System.CommandLine;

namespace PortfolioGroups.Cli;

/// <summary><c>portfolios list | add | delete | import FILE.csv</c>.</summary>
internal static class PortfolioCommands
{
    public static Command Create()
    {
        var list = new Command("list", "List every portfolio.");
        list.SetAction(ListAsync);

        var id = new Argument<string>("portfolio") { Description = "The portfolio's unique identifier." };
        var name = new Option<string?>("--name") { Description = "The display name (an existing portfolio keeps its own when this is left out)." };
        var add = new Command("add", "Create a portfolio, or set the display name of the one with this identifier (idempotent).") { id, name };
        add.SetAction((parse, ct) => AddAsync(parse, parse.GetRequiredValue(id), parse.GetValue(name), ct));

        var ids = new Argument<string[]>("portfolios") { Description = "The unique identifiers of the portfolios to delete.", Arity = ArgumentArity.OneOrMore };
        var delete = new Command("delete", "Delete portfolios (their memberships go with them; the groups remain).") { ids };
        delete.SetAction((parse, ct) => DeleteAsync(parse, parse.GetRequiredValue(ids), ct));

        var file = new Argument<string>("file") { Description = "A CSV file of unique_identifier,display_name lines; an optional header line unique_identifier,display_name." };
        var import = new Command("import", "Create or update the portfolios listed in a CSV file, all in one transaction: every line, or none.") { file };
        import.SetAction((parse, ct) => ImportAsync(parse, parse.GetRequiredValue(file), ct));

        return new Command("portfolios", "List and edit portfolios.") { list, add, delete, import };
    }

    private static async Task<int> ListAsync(ParseResult parse, CancellationToken ct)
    {
        await using var store = await Settings.OpenAsync(parse, OpenFor.Use, ct);
        var portfolios = Portfolio.StreamAsync(store, cancellationToken: ct);
        if (Output.IsJson(parse))
        {
            await Output.WriteJsonArrayAsync(portfolios, WritePortfolio, ct);
            return ExitCodes.Success;
        }

        await Output.Text.WriteLineAsync("portfolio\tdisplay name");
        await foreach (var portfolio in portfolios)
        {
            await Output.Text.WriteLineAsync($"{portfolio.UniqueIdentifier}\t{portfolio.DisplayName}");
        }

        return ExitCodes.Success;
    }

    private static async Task<int> AddAsync(ParseResult parse, string id, string? name, CancellationToken ct)
    {
        await using var store = await Settings.OpenAsync(parse, OpenFor.Use, ct);
        Settings.RefusePortfolioWrites(store, "add");

        // Without --name, adding an existing portfolio leaves it as it is (an add never clears a field).
        Portfolio portfolio;
        if (name is not null)
        {
            portfolio = await Portfolio.AddAsync(store, id, name, ct);
        }
        else
        {
            try
            {
                portfolio = await Portfolio.CreateAsync(store, id, cancellationToken: ct);
            }
            catch (DuplicateKeyException)
            {
                portfolio = await Portfolio.GetAsync(store, id.Trim(), ct);
            }
        }

        if (Output.IsJson(parse))
        {
            await Output.WriteJsonAsync(
                json =>
                {
                    WritePortfolio(json, portfolio);
                    return Task.CompletedTask;
                },
                ct);
        }
        else
        {
            var named = portfolio.DisplayName is null ? "" : $" ({portfolio.DisplayName})";
            await Output.Text.WriteLineAsync($"Portfolio '{portfolio.UniqueIdentifier}'{named} is stored, uid {portfolio.Uid}.");
        }

        return ExitCodes.Success;
    }

    private static async Task<int> DeleteAsync(ParseResult parse, string[] ids, CancellationToken ct)
    {
        await using var store = await Settings.OpenAsync(parse, OpenFor.Use, ct);
        Settings.RefusePortfolioWrites(store, "delete");
        var deleted = await Portfolio.BulkDeleteAsync(store, uniqueIdentifiers: ids, cancellationToken: ct);
        await Output.WriteDeletedAsync(parse, deleted, ids, "portfolio", ct);
        return ExitCodes.Success;
    }

    private static Task<int> ImportAsync(ParseResult parse, string path, CancellationToken ct) =>
        ImportCommand.RunAsync(
            parse,
            path,
            "portfolio",
            () => CsvPortfolios.Count(path, ct),
            index => CsvPortfolios.LineOf(path, index, ct),
            async (store, progress) =>
            {
                Settings.RefusePortfolioWrites(store, "import");
                var result = await Portfolio.UpsertManyAsync(store, CsvPortfolios.Read(path, ct), progress, ct);
                return [("inserted", result.Inserted), ("updated", result.Updated)];
            },
            ct);

    private static void WritePortfolio(System.Text.Json.Utf8JsonWriter json, Portfolio portfolio)
    {
        json.WriteStartObject();
        json.WriteString("uid", portfolio.Uid);
        json.WriteString("unique_identifier", portfolio.UniqueIdentifier);
        json.WriteString("display_name", portfolio.DisplayName);
        json.WriteEndObject();
    }
}
