using System.Data.Common;
using BenchmarkDotNet.Attributes;
using Microsoft.EntityFrameworkCore;

namespace PortfolioGroups.Benchmarks.Comparison;

/// <summary>
/// Set queries over 100,000 portfolios and 1,000 groups, first page of 10,000 in uid order.
/// Group a holds every second portfolio (50,000), group b every third (33,334); every portfolio is
/// also in one of the other 998 groups (about 100 each): 183,334 memberships. Library:
/// <c>Portfolio.FilterAsync</c> with <c>InAllGroups = [a, b]</c>, <c>InAnyGroup = [a, b]</c> or
/// <c>NotInGroups = [a, b]</c>. Raw: hand-written <c>EXISTS</c> / <c>NOT EXISTS</c> against the
/// membership table on the portfolio's primary-key order, read with a <see cref="DbDataReader"/>.
/// EF Core: the same in LINQ (<c>Any</c>).
/// </summary>
/// <remarks>All three fetch one row more than the page, as the library does, and check the page against the expected uids.</remarks>
[Comparison("set query over 100,000 portfolios × 1,000 groups, page of 10,000", Order = 60)]
[MemoryDiagnoser]
[Config(typeof(ComparisonConfig))]
public class SetQueries : DatabaseBenchmark
{
    public const int Portfolios = 100_000;
    public const int Groups = 1_000;
    public const int PageSize = 10_000;

    private Guid _a;
    private Guid _b;
    private Guid[] _expected = [];

    [Params("in all of a, b", "in any of a, b", "in none of a, b")]
    public string Query { get; set; } = "in all of a, b";

    [GlobalSetup]
    public async Task GlobalSetupAsync()
    {
        await OpenDatabaseAsync();
        var groups = await Database.SeedRowsAsync("portfolio_group", "set-group", Groups);
        var portfolios = await Database.SeedRowsAsync("portfolio", "set-portfolio", Portfolios);
        (_a, _b) = (groups[0], groups[1]);
        var memberships = new List<(Guid Uid, Guid Group, Guid Portfolio)>(200_000);
        for (var i = 0; i < Portfolios; i++)
        {
            if (i % 2 == 0)
            {
                memberships.Add((Guid.CreateVersion7(), _a, portfolios[i]));
            }

            if (i % 3 == 0)
            {
                memberships.Add((Guid.CreateVersion7(), _b, portfolios[i]));
            }

            memberships.Add((Guid.CreateVersion7(), groups[2 + (i % (Groups - 2))], portfolios[i]));
        }

        await Database.SeedMembershipsAsync(memberships);
        if (Database.IsPostgres)
        {
            await Database.ExecuteAsync("VACUUM ANALYZE portfolio, portfolio_group, portfolio_group_membership");
        }
        else
        {
            await Database.ExecuteAsync("ANALYZE portfolio_group_membership");
        }

        bool Selected(int i) => Query switch
        {
            "in all of a, b" => i % 6 == 0,
            "in any of a, b" => i % 2 == 0 || i % 3 == 0,
            _ => i % 2 != 0 && i % 3 != 0,
        };
        _expected = Enumerable.Range(0, Portfolios).Where(Selected).Select(i => portfolios[i]).Order().Take(PageSize).ToArray();
    }

    [Benchmark]
    public async Task<int> Library()
    {
        PortfolioGroupRef[] ab = [_a, _b];
        var filter = Query switch
        {
            "in all of a, b" => new PortfolioFilter { InAllGroups = ab },
            "in any of a, b" => new PortfolioFilter { InAnyGroup = ab },
            _ => new PortfolioFilter { NotInGroups = ab },
        };
        var page = await Portfolio.FilterPageAsync(Database.Store, filter, PageRequest.First(PageSize));
        return Checked(page.Items.Select(p => p.Uid).ToList(), page.Next is not null);
    }

    [Benchmark]
    public async Task<int> Raw()
    {
        const string member = "EXISTS (SELECT 1 FROM portfolio_group_membership m WHERE m.portfolio_uid = p.uid AND m.portfolio_group_uid";
        var where = Query switch
        {
            "in all of a, b" => $"{member} = @a) AND {member} = @b)",
            "in any of a, b" => $"{member} IN (@a, @b))",
            _ => $"NOT {member} IN (@a, @b))",
        };
        var (page, more) = await ReadPageAsync(Database, $"SELECT {Columns} FROM portfolio p WHERE {where} ORDER BY p.uid", _a, _b);
        return Checked(page, more);
    }

    [Benchmark]
    public async Task<int> EfCore()
    {
        await using var context = Database.NewEfContext();
        var (a, b) = (_a, _b);
        var memberships = context.Memberships;
        var query = Query switch
        {
            "in all of a, b" => context.Portfolios.Where(p =>
                memberships.Any(m => m.PortfolioUid == p.Uid && m.GroupUid == a) && memberships.Any(m => m.PortfolioUid == p.Uid && m.GroupUid == b)),
            "in any of a, b" => context.Portfolios.Where(p => memberships.Any(m => m.PortfolioUid == p.Uid && (m.GroupUid == a || m.GroupUid == b))),
            _ => context.Portfolios.Where(p => !memberships.Any(m => m.PortfolioUid == p.Uid && (m.GroupUid == a || m.GroupUid == b))),
        };
        var rows = await query.OrderBy(p => p.Uid).Take(PageSize + 1).ToListAsync();
        return Checked(rows.Take(PageSize).Select(r => r.Uid).ToList(), rows.Count > PageSize);
    }

    /// <summary>The portfolio columns every raw side of the set-query benchmarks reads.</summary>
    internal const string Columns = "p.uid, p.unique_identifier, p.display_name";

    /// <summary>
    /// Runs <paramref name="sql"/> (parameters @a, @b; <c>LIMIT</c> appended) for one row more than
    /// the page, reading every column with a <see cref="DbDataReader"/>: the uids of the page, and
    /// whether more follow.
    /// </summary>
    internal static async Task<(List<Guid> Page, bool More)> ReadPageAsync(BenchDatabase database, string sql, Guid a, Guid b)
    {
        var connection = await database.OpenConnectionAsync();
        await using (connection)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql + " LIMIT @limit";
            BenchDatabase.Parameter(command, "a", database.Uid(a));
            BenchDatabase.Parameter(command, "b", database.Uid(b));
            BenchDatabase.Parameter(command, "limit", PageSize + 1);
            var rows = new List<(Guid Uid, string UniqueIdentifier, string? DisplayName)>(PageSize + 1);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                rows.Add((reader.GetGuid(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2)));
            }

            return (rows.Take(PageSize).Select(r => r.Uid).ToList(), rows.Count > PageSize);
        }
    }

    private int Checked(List<Guid> page, bool more)
    {
        if (!more || !page.SequenceEqual(_expected))
        {
            throw new InvalidOperationException($"{Query}: read {page.Count} portfolios (more: {more}), not the expected first {PageSize}.");
        }

        return page.Count;
    }
}
