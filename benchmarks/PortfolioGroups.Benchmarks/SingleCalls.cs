using System.Data.Common;
using System.Diagnostics;
using System.Globalization;

namespace PortfolioGroups.Benchmarks;

/// <summary>
/// <c>--single [calls]</c>: the library's single-row calls beside one plain statement each, on a
/// pooled connection (plain ADO.NET, a <see cref="DbCommand"/> per call, as a careful caller writes
/// it), on SQLite and, when <see cref="BenchDatabase.PostgresVariable"/> is set, PostgreSQL. The two
/// sides alternate call by call in one process (library, plain, library, plain ...), so both see the
/// same machine; each call is timed on its own and the table gives the median (p50) of each side
/// and their ratio. Every call checks its answer.
/// </summary>
public static class SingleCalls
{
    /// <summary>The plain statement each library call is measured against (SQLite text; PostgreSQL's is the same with uuid parameters).</summary>
    public static readonly IReadOnlyDictionary<string, string> Plain = new Dictionary<string, string>
    {
        ["PortfolioGroup.AddPortfolioAsync (new pair)"] =
            "INSERT INTO portfolio_group_membership (uid, portfolio_group_uid, portfolio_uid) VALUES (@uid, @group, @portfolio) "
            + "ON CONFLICT (portfolio_group_uid, portfolio_uid) DO NOTHING RETURNING uid, portfolio_group_uid, portfolio_uid",
        ["PortfolioGroup.RemovePortfolioAsync"] =
            "DELETE FROM portfolio_group_membership WHERE portfolio_group_uid = @group AND portfolio_uid = @portfolio",
        ["PortfolioGroup.AddAsync (new group)"] =
            "INSERT INTO portfolio_group (uid, unique_identifier, display_name) VALUES (@uid, @id, @name) RETURNING uid, unique_identifier, display_name, description, metadata_json",
        ["Portfolio.AddAsync (new portfolio)"] =
            "INSERT INTO portfolio (uid, unique_identifier, display_name) VALUES (@uid, @id, @name) RETURNING uid, unique_identifier, display_name",
        ["Portfolio.FindAsync (by unique identifier)"] =
            "SELECT uid, unique_identifier, display_name FROM portfolio WHERE unique_identifier = @id",
        ["PortfolioGroup.FindAsync (by uid)"] =
            "SELECT uid, unique_identifier, display_name, description, metadata_json FROM portfolio_group WHERE uid = @uid",
    };

    public static async Task<int> RunAsync(int calls)
    {
        var rows = new List<string>();
        foreach (var name in BenchDatabase.Names())
        {
            await using var database = await BenchDatabase.OpenAsync(name);
            var results = await MeasureAsync(database, calls);
            foreach (var (operation, library, plain) in results)
            {
                rows.Add($"| {operation} | {(name == BenchDatabase.Postgres ? "PostgreSQL" : "SQLite")} | `{Plain[operation]}` | {Micro(library)} | {Micro(plain)} | {library / plain:F2} |");
            }
        }

        Console.WriteLine($"p50 of {calls:N0} calls per side, alternating call by call; µs");
        Console.WriteLine();
        Console.WriteLine("| call | database | plain statement | library p50 | plain p50 | library / plain |");
        Console.WriteLine("|---|---|---|--:|--:|--:|");
        rows.ForEach(Console.WriteLine);
        return 0;
    }

    /// <summary>
    /// <c>--stream [runs]</c>: <c>PortfolioGroup.StreamPortfoliosAsync</c> of a 100,000-member group
    /// beside the plain reader of the same statement (as in <c>StreamGroup</c>), alternating run by
    /// run; the medians and their ratio.
    /// </summary>
    public static async Task<int> StreamAsync(int runs)
    {
        const int members = 100_000;
        Console.WriteLine($"Median of {runs} runs per side, alternating; ms");
        Console.WriteLine();
        Console.WriteLine("| call | database | plain statement | library median | plain median | library / plain |");
        Console.WriteLine("|---|---|---|--:|--:|--:|");
        foreach (var name in BenchDatabase.Names())
        {
            await using var database = await BenchDatabase.OpenAsync(name);
            var group = (await database.SeedRowsAsync("portfolio_group", "stream-group", 1))[0];
            var portfolios = await database.SeedRowsAsync("portfolio", "stream-portfolio", members);
            await database.SeedAllPairsAsync([group], portfolios);
            await database.AnalyzeAsync("portfolio, portfolio_group_membership");
            const string sql = "SELECT p.uid, p.unique_identifier, p.display_name FROM portfolio_group_membership m JOIN portfolio p ON p.uid = m.portfolio_uid "
                               + "WHERE m.portfolio_group_uid = @group ORDER BY m.portfolio_uid";
            async Task Library(int _)
            {
                var read = 0;
                await foreach (var portfolio in PortfolioGroup.StreamPortfoliosAsync(database.Store, group))
                {
                    read += portfolio.UniqueIdentifier.Length > 0 ? 1 : 0;
                }

                Check(read == members);
            }

            async Task Raw(int _)
            {
                var connection = await database.OpenConnectionAsync();
                await using (connection)
                {
                    await using var command = connection.CreateCommand();
                    command.CommandText = sql;
                    BenchDatabase.Parameter(command, "group", database.Uid(group));
                    var read = 0;
                    await using var reader = await command.ExecuteReaderAsync();
                    while (await reader.ReadAsync())
                    {
                        var row = (Uid: reader.GetGuid(0), UniqueIdentifier: reader.GetString(1), DisplayName: reader.IsDBNull(2) ? null : reader.GetString(2));
                        read += row.UniqueIdentifier.Length > 0 && row.Uid != Guid.Empty ? 1 : 0;
                    }

                    Check(read == members);
                }
            }

            if (!database.IsPostgres && Environment.GetEnvironmentVariable("STREAM_PLAN") == "1")
            {
                foreach (var text in new[] { sql, sql.Replace("= @group", "= (SELECT uid FROM portfolio_group WHERE uid = @group)", StringComparison.Ordinal) })
                {
                    var connection = await database.OpenConnectionAsync();
                    await using (connection)
                    {
                        await using var command = connection.CreateCommand();
                        command.CommandText = "EXPLAIN QUERY PLAN " + text;
                        BenchDatabase.Parameter(command, "group", database.Uid(group));
                        await using var reader = await command.ExecuteReaderAsync();
                        while (await reader.ReadAsync())
                        {
                            Console.Error.WriteLine(reader.GetString(3));
                        }
                    }
                }
            }

            await Library(0);
            await Raw(0);
            var (_, library, plain) = await AlternateAsync("stream", runs, Library, Raw, settle: true);
            Console.WriteLine($"| StreamPortfoliosAsync, group of 100,000 | {(database.IsPostgres ? "PostgreSQL" : "SQLite")} | `{sql}` | {library * 1000 / Stopwatch.Frequency:N1} ms | {plain * 1000 / Stopwatch.Frequency:N1} ms | {library / plain:F2} |");
        }

        return 0;
    }

    private static string Micro(double ticks) => (ticks * 1_000_000 / Stopwatch.Frequency).ToString(ticks * 1_000_000 / Stopwatch.Frequency < 100 ? "N1" : "N0", CultureInfo.InvariantCulture) + " µs";

    private static async Task<List<(string Operation, double Library, double Plain)>> MeasureAsync(BenchDatabase database, int calls)
    {
        var store = database.Store;
        var portfolioUids = await database.SeedRowsAsync("portfolio", "single-p", calls);
        var groupUids = await database.SeedRowsAsync("portfolio_group", "single-g", 2);
        var portfolios = (await Portfolio.FilterAsync(store, new PortfolioFilter { Uids = portfolioUids })).OrderBy(p => p.UniqueIdentifier, StringComparer.Ordinal).ToArray();
        var libraryGroup = await PortfolioGroup.GetAsync(store, groupUids[0]);
        var plainGroup = database.Uid(groupUids[1]);
        var results = new List<(string, double, double)>();

        // PORTFOLIOGROUPS_SINGLE_ONLY (part of a call's name) times only the calls it names: for a profile of one call.
        var only = Environment.GetEnvironmentVariable("PORTFOLIOGROUPS_SINGLE_ONLY");
        async Task MeasureCallAsync(string operation, Func<int, Task> library, Func<int, Task> plain)
        {
            if (only is null || operation.Contains(only, StringComparison.Ordinal))
            {
                results.Add(await AlternateAsync(operation, calls, library, plain));
            }
        }

        // Warm both paths up (JIT, pools, statement caches) on rows removed afterwards.
        for (var i = 0; i < Math.Min(50, calls); i++)
        {
            await libraryGroup.AddPortfolioAsync(portfolios[i]);
            await PlainAddAsync(database, plainGroup, portfolios[i].Uid);
            await libraryGroup.RemovePortfolioAsync(portfolios[i]);
            await PlainRemoveAsync(database, plainGroup, portfolios[i].Uid);
            await Portfolio.FindAsync(store, portfolios[i].UniqueIdentifier);
            await PlainFindPortfolioAsync(database, portfolios[i].UniqueIdentifier);
        }

        await MeasureCallAsync(
            "PortfolioGroup.AddPortfolioAsync (new pair)",
            async i => Check((await libraryGroup.AddPortfolioAsync(portfolios[i])).PortfolioUid == portfolios[i].Uid),
            async i => Check(await PlainAddAsync(database, plainGroup, portfolios[i].Uid)));
        await MeasureCallAsync(
            "PortfolioGroup.RemovePortfolioAsync",
            async i => Check(await libraryGroup.RemovePortfolioAsync(portfolios[i])),
            async i => Check(await PlainRemoveAsync(database, plainGroup, portfolios[i].Uid)));
        await MeasureCallAsync(
            "PortfolioGroup.AddAsync (new group)",
            async i => Check((await PortfolioGroup.AddAsync(store, $"{BenchDatabase.Prefix}lib-group-{i:D6}", "G")).DisplayName == "G"),
            async i => Check(await PlainInsertAsync(database, "INSERT INTO portfolio_group (uid, unique_identifier, display_name) VALUES (@uid, @id, @name) RETURNING uid, unique_identifier, display_name, description, metadata_json", $"{BenchDatabase.Prefix}plain-group-{i:D6}")));
        await MeasureCallAsync(
            "Portfolio.AddAsync (new portfolio)",
            async i => Check((await Portfolio.AddAsync(store, $"{BenchDatabase.Prefix}lib-portfolio-{i:D6}", "P")).DisplayName == "P"),
            async i => Check(await PlainInsertAsync(database, "INSERT INTO portfolio (uid, unique_identifier, display_name) VALUES (@uid, @id, @name) RETURNING uid, unique_identifier, display_name", $"{BenchDatabase.Prefix}plain-portfolio-{i:D6}")));
        await MeasureCallAsync(
            "Portfolio.FindAsync (by unique identifier)",
            async i => Check((await Portfolio.FindAsync(store, portfolios[i].UniqueIdentifier))?.Uid == portfolios[i].Uid),
            async i => Check(await PlainFindPortfolioAsync(database, portfolios[i].UniqueIdentifier)));
        await MeasureCallAsync(
            "PortfolioGroup.FindAsync (by uid)",
            async i => Check((await PortfolioGroup.FindAsync(store, groupUids[0]))?.Uid == groupUids[0]),
            async i => Check(await PlainFindGroupAsync(database, plainGroup)));
        return results;
    }

    /// <summary>
    /// Runs <paramref name="calls"/> calls of each side, alternating (which side goes first alternates
    /// too), and returns each side's p50 in ticks; with <paramref name="settle"/> (calls that allocate
    /// megabytes), the garbage is collected before each, untimed (<see cref="Stats.Settle"/>).
    /// </summary>
    private static async Task<(string, double, double)> AlternateAsync(string operation, int calls, Func<int, Task> library, Func<int, Task> plain, bool settle = false)
    {
        var libraryTimes = new long[calls];
        var plainTimes = new long[calls];
        for (var i = 0; i < calls; i++)
        {
            if (i % 2 == 0)
            {
                libraryTimes[i] = await TimeAsync(library, i, settle);
                plainTimes[i] = await TimeAsync(plain, i, settle);
            }
            else
            {
                plainTimes[i] = await TimeAsync(plain, i, settle);
                libraryTimes[i] = await TimeAsync(library, i, settle);
            }
        }

        Console.Error.WriteLine($"{operation}: done");
        return (operation, Stats.Median(libraryTimes.Select(t => (double)t)), Stats.Median(plainTimes.Select(t => (double)t)));
    }

    private static async Task<long> TimeAsync(Func<int, Task> call, int i, bool settle)
    {
        if (settle)
        {
            Stats.Settle();
        }

        var start = Stopwatch.GetTimestamp();
        await call(i);
        return Stopwatch.GetTimestamp() - start;
    }

    private static void Check(bool ok)
    {
        if (!ok)
        {
            throw new InvalidOperationException("A call gave a wrong answer.");
        }
    }

    private static async Task<bool> PlainAddAsync(BenchDatabase database, object group, Guid portfolio)
    {
        var connection = await database.OpenConnectionAsync();
        await using (connection)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = Plain["PortfolioGroup.AddPortfolioAsync (new pair)"];
            BenchDatabase.Parameter(command, "uid", database.Uid(Guid.CreateVersion7()));
            BenchDatabase.Parameter(command, "group", group);
            BenchDatabase.Parameter(command, "portfolio", database.Uid(portfolio));
            await using var reader = await command.ExecuteReaderAsync();
            return await reader.ReadAsync() && reader.GetGuid(2) == portfolio;
        }
    }

    private static async Task<bool> PlainRemoveAsync(BenchDatabase database, object group, Guid portfolio)
    {
        var connection = await database.OpenConnectionAsync();
        await using (connection)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = Plain["PortfolioGroup.RemovePortfolioAsync"];
            BenchDatabase.Parameter(command, "group", group);
            BenchDatabase.Parameter(command, "portfolio", database.Uid(portfolio));
            return await command.ExecuteNonQueryAsync() == 1;
        }
    }

    private static async Task<bool> PlainInsertAsync(BenchDatabase database, string sql, string identifier)
    {
        var connection = await database.OpenConnectionAsync();
        await using (connection)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            BenchDatabase.Parameter(command, "uid", database.Uid(Guid.CreateVersion7()));
            BenchDatabase.Parameter(command, "id", identifier);
            BenchDatabase.Parameter(command, "name", identifier.Contains("group", StringComparison.Ordinal) ? "G" : "P");
            await using var reader = await command.ExecuteReaderAsync();
            return await reader.ReadAsync() && reader.GetString(1) == identifier;
        }
    }

    private static async Task<bool> PlainFindPortfolioAsync(BenchDatabase database, string identifier)
    {
        var connection = await database.OpenConnectionAsync();
        await using (connection)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = Plain["Portfolio.FindAsync (by unique identifier)"];
            BenchDatabase.Parameter(command, "id", identifier);
            await using var reader = await command.ExecuteReaderAsync();
            // The whole row, as the library's answer carries it.
            return await reader.ReadAsync() && reader.GetGuid(0) != Guid.Empty && reader.GetString(1) == identifier && (reader.IsDBNull(2) || reader.GetString(2) is not null);
        }
    }

    private static async Task<bool> PlainFindGroupAsync(BenchDatabase database, object uid)
    {
        var connection = await database.OpenConnectionAsync();
        await using (connection)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = Plain["PortfolioGroup.FindAsync (by uid)"];
            BenchDatabase.Parameter(command, "uid", uid);
            await using var reader = await command.ExecuteReaderAsync();
            // The whole row, as the library's answer carries it.
            return await reader.ReadAsync() && reader.GetGuid(0) != Guid.Empty && reader.GetString(1).Length > 0
                   && (reader.IsDBNull(2) || reader.GetString(2) is not null) && (reader.IsDBNull(3) || reader.GetString(3) is not null) && (reader.IsDBNull(4) || reader.GetString(4) is not null);
        }
    }
}
