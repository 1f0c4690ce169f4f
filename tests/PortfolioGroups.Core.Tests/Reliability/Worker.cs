using System.Globalization;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Reliability;

/// <summary>
/// The test assembly run as a worker process (<c>dotnet exec PortfolioGroups.Core.Tests.dll verb ...</c>),
/// so the reliability tests drive the library from real, separate OS processes: concurrent
/// migrators, and writers killed with SIGKILL. Each verb prints one line per step to stdout.
/// </summary>
public static class Worker
{
    /// <summary>The worker's entry point; the test host never calls it.</summary>
    public static async Task<int> Main(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        return args switch
        {
            ["sqlite-open-rounds", var folder, var id, var workers, var rounds] =>
                await SqliteOpenRoundsAsync(folder, id, int.Parse(workers, CultureInfo.InvariantCulture), int.Parse(rounds, CultureInfo.InvariantCulture)),
            ["sqlite-migrate", var connectionString, var folder, var id, var workers] =>
                await OpenOnceAsync(folder, id, int.Parse(workers, CultureInfo.InvariantCulture), () => PortfolioStore.OpenSqliteAsync(connectionString)),
            ["postgres-migrate", var connectionString, var schema, var folder, var id, var workers] =>
                await OpenOnceAsync(folder, id, int.Parse(workers, CultureInfo.InvariantCulture), () => PortfolioStore.OpenPostgresAsync(connectionString, new PortfolioStoreOptions { PostgresSchema = schema })),
            ["sqlite-writer", var connectionString, var seed] => await SqliteWriterAsync(connectionString, int.Parse(seed, CultureInfo.InvariantCulture)),
            _ => Usage(args),
        };
    }

    /// <summary>Runs the worker with <paramref name="arguments"/> to its end.</summary>
    internal static Task<ProcessResult> RunAsync(IReadOnlyList<string> arguments, TimeSpan timeout) =>
        ChildProcess.RunAsync(DotnetHost, [.. StartArguments, .. arguments], AppContext.BaseDirectory, timeout);

    /// <summary>The dotnet host that runs this assembly.</summary>
    internal static string DotnetHost => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    /// <summary>The host's arguments before the worker's own.</summary>
    internal static IReadOnlyList<string> StartArguments => ["exec", typeof(Worker).Assembly.Location];

    private static int Usage(string[] args)
    {
        Console.Error.WriteLine($"unknown worker verb: {string.Join(' ', args)}");
        return 64;
    }

    /// <summary>
    /// Waits at a file barrier in <paramref name="folder"/> until all <paramref name="workers"/> have
    /// arrived, then opens (and so migrates) once. Prints when the open started and when it ended
    /// (UTC ticks), so the test can see the opens overlap.
    /// </summary>
    private static async Task<int> OpenOnceAsync(string folder, string id, int workers, Func<Task<PortfolioStore>> open)
    {
        await ArriveAsync(folder, "migrate", id, workers);
        try
        {
            var started = DateTime.UtcNow.Ticks;
            await using (var store = await open())
            {
                Console.WriteLine($"ok {started} {DateTime.UtcNow.Ticks}");
            }

            return 0;
        }
        catch (Exception ex)
        {
            Console.WriteLine($"fail {ex.GetType().FullName}: {ex.Message}");
            return 1;
        }
    }

    /// <summary>
    /// Each round, every worker waits at a file barrier until all have arrived, then opens (and so
    /// migrates) the round's fresh database file at the same moment as the others.
    /// </summary>
    private static async Task<int> SqliteOpenRoundsAsync(string folder, string id, int workers, int rounds)
    {
        var failures = 0;
        for (var round = 0; round < rounds; round++)
        {
            await ArriveAsync(folder, round.ToString(CultureInfo.InvariantCulture), id, workers);

            try
            {
                await using var store = await PortfolioStore.OpenSqliteAsync($"Data Source={Path.Combine(folder, $"round-{round}.db")}");
                Console.WriteLine($"ok {round}");
            }
            catch (Exception ex)
            {
                failures++;
                Console.WriteLine($"fail {round} {ex.GetType().FullName}: {ex.Message}");
            }
        }

        return failures;
    }

    /// <summary>
    /// The step's rows, read by the bulk call inside its transaction: halfway through, the worker says
    /// it is inside the transaction (<c>inside N</c>) and waits for a line on stdin before going on,
    /// so the test can check the write lock is held and kill it there.
    /// </summary>
    private static IEnumerable<PortfolioUpsert> PausedHalfway(string[] names, int step)
    {
        for (var i = 0; i < names.Length; i++)
        {
            if (i == names.Length / 2)
            {
                Console.WriteLine($"inside {step}");
                _ = Console.ReadLine();
            }

            yield return new PortfolioUpsert(names[i]);
        }
    }

    /// <summary>A barrier across processes: leaves a file for <paramref name="id"/>, then waits until all <paramref name="workers"/> have left theirs.</summary>
    private static async Task ArriveAsync(string folder, string barrier, string id, int workers)
    {
        await File.WriteAllTextAsync(Path.Combine(folder, $"ready-{barrier}-{id}"), "");
        var pattern = $"ready-{barrier}-*";
        while (Directory.GetFiles(folder, pattern).Length < workers)
        {
            await Task.Delay(1);
        }
    }

    /// <summary>
    /// Writes until killed: each step a bulk call of 500 portfolios and 500 memberships in one
    /// transaction, then a delete of a group (cascading). Prints the step it committed; pauses inside
    /// each step's first bulk transaction (<see cref="PausedHalfway"/>).
    /// </summary>
    private static async Task<int> SqliteWriterAsync(string connectionString, int seed)
    {
        await using var store = await PortfolioStore.OpenSqliteAsync(connectionString);
        for (var step = 0; ; step++)
        {
            var group = await PortfolioGroup.AddAsync(store, $"g-{seed}-{step}", "Group");
            var names = Enumerable.Range(0, 500).Select(i => string.Create(CultureInfo.InvariantCulture, $"p-{seed:D2}-{step:D5}-{i:D3}")).ToArray();
            await Portfolio.UpsertManyAsync(store, PausedHalfway(names, step));
            await group.AddPortfoliosAsync(names.Select(n => (PortfolioRef)n));
            if (step % 3 == 2)
            {
                await PortfolioGroup.BulkDeleteAsync(store, uniqueIdentifiers: [$"g-{seed}-{step - 1}"]);
            }

            Console.WriteLine($"committed {step}");
        }
    }
}
