using System.Data.Common;
using BenchmarkDotNet.Attributes;
using Microsoft.EntityFrameworkCore;

namespace PortfolioGroups.Benchmarks.Comparison;

/// <summary>
/// The portfolios of a 100,000-member group, in pages of 500: every page (following each page's
/// cursor), the first page only, or the last page only (a deep page: the cursor of the page
/// before it is taken in the setup). Library: <c>PortfolioGroup.GetPortfoliosAsync</c> with
/// <c>page.Next</c>. Raw: on one connection, the first page without a bound, every later page with
/// one keyset statement bounded by the cursor on both sides of the join (as the library's), prepared
/// and reused when it reads every page, read with a <see cref="DbDataReader"/>. EF Core: the same
/// keyset query in LINQ, no tracking.
/// </summary>
/// <remarks>
/// All three order by portfolio uid and fetch one row more than the page, to know whether
/// another page follows, as the library does; each checks the rows it read.
/// </remarks>
[Comparison("group of 100,000: pages of 500", Order = 10)]
[MemoryDiagnoser]
[Config(typeof(ComparisonConfig))]
public class GroupPortfolioPages : DatabaseBenchmark
{
    public const int Members = 100_000;
    public const int PageSize = 500;

    private Guid _group;
    private Guid[] _portfolios = [];
    private string? _libraryAfter;
    private Guid _rawAfter;
    private int _expected;

    [Params("all pages", "first page", "last page")]
    public string Read { get; set; } = "all pages";

    [GlobalSetup]
    public async Task GlobalSetupAsync()
    {
        await OpenDatabaseAsync();
        _group = (await Database.SeedRowsAsync("portfolio_group", "pages-group", 1))[0];
        _portfolios = await Database.SeedRowsAsync("portfolio", "pages-portfolio", Members);
        await Database.SeedAllPairsAsync([_group], _portfolios);
        // Fresh statistics, as autovacuum would give a table that grew this much, and no dead rows
        // left by the previous benchmark process's cleanup: each side starts from the same tables.
        if (Database.IsPostgres)
        {
            await Database.ExecuteAsync("VACUUM ANALYZE portfolio, portfolio_group_membership");
        }

        var ordered = _portfolios.Order().ToArray();
        (_rawAfter, _expected) = Read switch
        {
            "all pages" => (Guid.Empty, Members),
            "first page" => (Guid.Empty, PageSize),
            _ => (ordered[Members - PageSize - 1], PageSize),
        };

        if (Read == "last page")
        {
            // The library's cursor is opaque: walk to the page before the last to get it.
            var page = PageRequest.First(PageSize);
            for (var i = 0; i < (Members / PageSize) - 1; i++)
            {
                page = (await PortfolioGroup.GetPortfoliosPageAsync(Database.Store, _group, page)).Next!;
            }

            _libraryAfter = page.After;
        }
    }

    [Benchmark]
    public async Task<int> Library()
    {
        var read = 0;
        PageRequest? request = _libraryAfter is null ? PageRequest.First(PageSize) : new PageRequest { Size = PageSize, After = _libraryAfter };
        do
        {
            var page = await PortfolioGroup.GetPortfoliosPageAsync(Database.Store, _group, request);
            read += page.Items.Count;
            request = Read == "all pages" ? page.Next : null;
        }
        while (request is not null);

        return Checked(read);
    }

    [Benchmark]
    public async Task<int> Raw()
    {
        var connection = await Database.OpenConnectionAsync();
        await using (connection)
        {
            // Two statements, as the library's: the first page unbounded, a later one bounded by
            // the cursor on both sides of the join (so each side's index starts at the cursor).
            const string Select = "SELECT p.uid, p.unique_identifier, p.display_name FROM portfolio_group_membership m JOIN portfolio p ON p.uid = m.portfolio_uid "
                                  + "WHERE m.portfolio_group_uid = @group";
            const string Order = " ORDER BY m.portfolio_uid LIMIT @limit";
            await using var first = connection.CreateCommand();
            first.CommandText = Select + Order;
            BenchDatabase.Parameter(first, "group", Database.Uid(_group));
            BenchDatabase.Parameter(first, "limit", PageSize + 1);
            await using var next = connection.CreateCommand();
            next.CommandText = Select + " AND m.portfolio_uid > @after AND p.uid > @after" + Order;
            BenchDatabase.Parameter(next, "group", Database.Uid(_group));
            var after = BenchDatabase.Parameter(next, "after", Database.Uid(_rawAfter));
            BenchDatabase.Parameter(next, "limit", PageSize + 1);
            if (Read == "all pages")
            {
                // Reused for 199 pages: prepared, it took 384 ms against 713 ms unprepared (one run
                // of both on PostgreSQL). A statement run once is not: preparing it cost a round
                // trip more (first page 20 ms against 13 ms).
                await next.PrepareAsync();
            }

            var command = _rawAfter == Guid.Empty ? first : next;
            var read = 0;
            while (true)
            {
                var rows = new List<(Guid Uid, string UniqueIdentifier, string? DisplayName)>(PageSize + 1);
                await using (var reader = await command.ExecuteReaderAsync())
                {
                    while (await reader.ReadAsync())
                    {
                        rows.Add((reader.GetGuid(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2)));
                    }
                }

                var more = rows.Count > PageSize;
                read += Math.Min(rows.Count, PageSize);
                if (!more || Read != "all pages")
                {
                    return Checked(read);
                }

                after.Value = Database.Uid(rows[PageSize - 1].Uid);
                command = next;
            }
        }
    }

    [Benchmark]
    public async Task<int> EfCore()
    {
        await using var context = Database.NewEfContext();
        var after = _rawAfter;
        var read = 0;
        while (true)
        {
            var rows = await context.Memberships
                .Where(m => m.GroupUid == _group && m.PortfolioUid.CompareTo(after) > 0)
                .OrderBy(m => m.PortfolioUid)
                .Select(m => m.Portfolio)
                .Take(PageSize + 1)
                .ToListAsync();
            read += Math.Min(rows.Count, PageSize);
            if (rows.Count <= PageSize || Read != "all pages")
            {
                return Checked(read);
            }

            after = rows[PageSize - 1].Uid;
        }
    }

    private int Checked(int read) =>
        read == _expected ? read : throw new InvalidOperationException($"Read {read} portfolios, expected {_expected}.");
}
