using System.CommandLine;

namespace PortfolioGroups.Cli;

/// <summary><c>migrate status | up | down --to VERSION [--allow-data-loss] | script | partitions --count N</c>.</summary>
internal static class MigrateCommands
{
    public static Command Create()
    {
        var status = new Command("status", "Show the applied and pending migrations.");
        status.SetAction(StatusAsync);

        var up = new Command("up", "Apply every pending migration, then refresh the catalog.");
        up.SetAction(UpAsync);

        var to = new Option<long>("--to") { Description = "The version to end at: an applied version, or 0 to revert everything.", Required = true };
        var allowDataLoss = new Option<bool>("--allow-data-loss") { Description = "Allow reverting the migration that creates the tables (drops them with every row)." };
        var down = new Command("down", "Revert the applied migrations newer than --to.") { to, allowDataLoss };
        down.SetAction((parse, ct) => DownAsync(parse, parse.GetValue(to), parse.GetValue(allowDataLoss), ct));

        var script = new Command("script", "Print the SQL of the pending migrations for review, without applying them.");
        script.SetAction(ScriptAsync);

        var count = new Option<int>("--count") { Description = "The hash partitions of the membership table, 1 to 1,024; 0 for one plain table.", Required = true };
        var partitions = new Command("partitions", "PostgreSQL: rebuild the membership table into --count hash partitions by group (0: one plain table), keeping every membership and the history.") { count };
        partitions.SetAction((parse, ct) => PartitionsAsync(parse, parse.GetValue(count), ct));

        return new Command("migrate", "Migrate the database's PortfolioGroups schema.") { status, up, down, script, partitions };
    }

    private static async Task<int> StatusAsync(ParseResult parse, CancellationToken ct)
    {
        await using var store = await Settings.OpenAsync(parse, OpenFor.Inspect, ct);
        var status = await store.GetMigrationStatusAsync(ct);
        if (Output.IsJson(parse))
        {
            await Output.WriteJsonAsync(
                json =>
                {
                    json.WriteStartObject();
                    Output.WriteStatus(json, status);
                    json.WriteEndObject();
                    return Task.CompletedTask;
                },
                ct);
        }
        else
        {
            await Output.Text.WriteLineAsync($"Current version: {status.CurrentVersion}");
            await Output.Text.WriteLineAsync($"Applied: {Output.List(status.AppliedVersions)}");
            await Output.Text.WriteLineAsync($"Pending: {Output.List(status.PendingVersions)}");
        }

        return ExitCodes.Success;
    }

    private static async Task<int> UpAsync(ParseResult parse, CancellationToken ct)
    {
        await using var store = await Settings.OpenAsync(parse, OpenFor.Create, ct);
        var result = await store.MigrateAsync(ct);
        await WriteResultAsync(parse, result, "Applied", ct);
        return ExitCodes.Success;
    }

    private static async Task<int> DownAsync(ParseResult parse, long to, bool allowDataLoss, CancellationToken ct)
    {
        await using var store = await Settings.OpenAsync(parse, OpenFor.Change, ct);
        MigrationResult result;
        try
        {
            result = await store.MigrateDownAsync(to, allowDataLoss, ct);
        }
        catch (InvalidValueException ex) when (ex.Field == "allowDataLoss")
        {
            throw new CliException(ExitCodes.InvalidInput, $"Reverting to {to} drops the portfolio, group and membership tables with every row in them; add --allow-data-loss to do that. Nothing was changed.");
        }
        catch (InvalidValueException ex) when (ex.Field == "targetVersion")
        {
            throw new CliException(ExitCodes.InvalidInput, $"Invalid --to: {ex.Reason}");
        }

        await WriteResultAsync(parse, result, "Reverted", ct);
        return ExitCodes.Success;
    }

    private static async Task<int> PartitionsAsync(ParseResult parse, int count, CancellationToken ct)
    {
        // Before opening: a SQLite file, there or not, has nothing to partition.
        if (Settings.ProviderOf(parse) == "sqlite")
        {
            throw new CliException(ExitCodes.InvalidInput, "SQLite has no partitions (--count is for PostgreSQL): its membership table is one plain table. Nothing was changed.");
        }

        await using var store = await Settings.OpenAsync(parse, OpenFor.Change, ct, membershipPartitions: count);

        bool rebuilt;
        try
        {
            rebuilt = await store.RepartitionMembershipsAsync(ct);
        }
        catch (InvalidOperationException)
        {
            throw new CliException(ExitCodes.SchemaNotCurrent, "The membership table does not exist: run `portfolio-groups migrate up` first. Nothing was changed.");
        }

        if (Output.IsJson(parse))
        {
            await Output.WriteJsonAsync(
                json =>
                {
                    json.WriteStartObject();
                    json.WriteBoolean("rebuilt", rebuilt);
                    json.WriteNumber("partitions", count);
                    json.WriteEndObject();
                    return Task.CompletedTask;
                },
                ct);
        }
        else
        {
            var shape = count == 0 ? "one plain table" : $"{count} hash partitions";
            await Output.Text.WriteLineAsync(rebuilt
                ? $"Rebuilt the membership table into {shape}, every membership and the history kept."
                : $"Nothing to do: the membership table is already {shape}.");
        }

        return ExitCodes.Success;
    }

    private static async Task<int> ScriptAsync(ParseResult parse, CancellationToken ct)
    {
        await using var store = await Settings.OpenAsync(parse, OpenFor.Inspect, ct);
        var script = await store.ScriptMigrationsAsync(ct);
        if (Output.IsJson(parse))
        {
            await Output.WriteJsonAsync(
                json =>
                {
                    json.WriteStartObject();
                    Output.WriteStatus(json, script.Status);
                    json.WriteString("sql", script.Sql);
                    json.WriteEndObject();
                    return Task.CompletedTask;
                },
                ct);
        }
        else if (script.Sql.Length == 0)
        {
            await Output.Text.WriteLineAsync($"-- Nothing to apply: the schema is up to date at version {script.Status.CurrentVersion}.");
        }
        else
        {
            await Output.Text.WriteLineAsync($"-- The SQL of the pending migrations {Output.List(script.Status.PendingVersions)}; nothing has been applied.");
            await Output.Text.WriteAsync(script.Sql);
        }

        return ExitCodes.Success;
    }

    private static async Task WriteResultAsync(ParseResult parse, MigrationResult result, string verb, CancellationToken ct)
    {
        if (Output.IsJson(parse))
        {
            await Output.WriteJsonAsync(
                json =>
                {
                    json.WriteStartObject();
                    Output.WriteVersions(json, verb.ToLowerInvariant(), result.Ran);
                    Output.WriteStatus(json, result.Status);
                    json.WriteEndObject();
                    return Task.CompletedTask;
                },
                ct);
        }
        else if (result.Ran.Count == 0)
        {
            await Output.Text.WriteLineAsync($"Nothing to do: the schema is at version {result.Status.CurrentVersion}.");
        }
        else
        {
            await Output.Text.WriteLineAsync($"{verb} {result.Ran.Count} migration(s): {Output.List(result.Ran)}. The schema is at version {result.Status.CurrentVersion}.");
        }
    }
}
