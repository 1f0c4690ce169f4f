using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Dapper;
using Microsoft.EntityFrameworkCore;

namespace PortfolioGroups.Benchmarks.Comparison;

/// <summary>
/// Groups by 40,000 uids, 1,000 of which exist, first page of 10,000 in uid order. Library:
/// <c>PortfolioGroup.FilterAsync</c> with <c>Uids</c>. Raw: one statement, the uids as one
/// parameter (<c>= ANY(@uids)</c> on PostgreSQL, a JSON array read with <c>json_each</c> on
/// SQLite), read with a <see cref="System.Data.Common.DbDataReader"/>. EF Core:
/// <c>Where(g =&gt; EF.Parameter(uids).Contains(g.Uid))</c>: the list as one parameter (EF Core 10's
/// default, one parameter per item, fails on SQLite at this size). <c>OldStatement</c> (not part of
/// the table): the library's statement as it was before it joined the uids on PostgreSQL,
/// <c>uid = ANY(@uids)</c> (on SQLite the same <c>json_each</c> form as now), with the same columns,
/// ORDER BY and LIMIT, the uids deduplicated as the library's guard does and the rows mapped by
/// Dapper, so the ratio "library / old statement" is read from one run.
/// </summary>
[Comparison("groups by 40,000 uids (1,000 exist), page of 10,000", Order = 20)]
[MemoryDiagnoser]
[Config(typeof(ComparisonConfig))]
public class FilterGroupsByUidsComparison : DatabaseBenchmark
{
    public const int Existing = 1_000;
    public const int Asked = 40_000;
    public const int PageSize = 10_000;

    private Guid[] _uids = [];
    private string _uidsJson = "";

    [GlobalSetup]
    public async Task GlobalSetupAsync()
    {
        await OpenDatabaseAsync();
        var existing = await Database.SeedRowsAsync("portfolio_group", "filtercmp-group", Existing);
        // Statistics, as any table that autovacuum has seen has: without them PostgreSQL plans
        // `= ANY` of 40,000 constants with a default guess per element, much cheaper than with the
        // column's statistics, and the old statement would look faster than in a real database.
        await Database.AnalyzeAsync("portfolio_group");
        var step = Asked / Existing;
        _uids = Enumerable.Range(0, Asked).Select(i => i % step == 0 ? existing[i / step] : Guid.CreateVersion7()).ToArray();
        _uidsJson = JsonSerializer.Serialize(_uids.Select(u => u.ToString("D")));
    }

    [Benchmark]
    public async Task<int> Library()
    {
        var page = await PortfolioGroup.FilterPageAsync(Database.Store, new PortfolioGroupFilter { Uids = _uids }, PageRequest.First(PageSize));
        return Checked(page.Items.Count);
    }

    [Benchmark]
    public async Task<int> Raw()
    {
        var connection = await Database.OpenConnectionAsync();
        await using (connection)
        {
            await using var command = connection.CreateCommand();
            command.CommandText =
                "SELECT uid, unique_identifier, display_name, description, metadata_json FROM portfolio_group WHERE "
                + (Database.IsPostgres ? "uid = ANY(@uids)" : "uid IN (SELECT value FROM json_each(@uids))")
                + " ORDER BY uid LIMIT @limit";
            BenchDatabase.Parameter(command, "uids", Database.IsPostgres ? _uids : _uidsJson);
            BenchDatabase.Parameter(command, "limit", PageSize + 1);
            var rows = new List<(Guid, string, string, string?, string?)>();
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                rows.Add((reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4)));
            }

            return Checked(Math.Min(rows.Count, PageSize));
        }
    }

    [Benchmark]
    public async Task<int> OldStatement()
    {
        var connection = await Database.OpenConnectionAsync();
        await using (connection)
        {
            var uids = _uids.Distinct().ToArray();
            var sql = "SELECT uid, unique_identifier AS UniqueIdentifier, display_name AS DisplayName, description, metadata_json AS MetadataJson FROM portfolio_group WHERE "
                      + (Database.IsPostgres ? "uid = ANY(@uids)" : "uid IN (SELECT value FROM json_each(@uids))")
                      + " ORDER BY uid LIMIT @limit";
            object set = Database.IsPostgres ? uids : JsonSerializer.Serialize(uids.Select(u => u.ToString("D")));
            var rows = (await connection.QueryAsync<GroupRow>(sql, new { uids = set, limit = PageSize + 1 })).AsList();
            return Checked(Math.Min(rows.Count, PageSize));
        }
    }

    [Benchmark]
    public async Task<int> EfCore()
    {
        await using var context = Database.NewEfContext();
        // EF Core 10's default sends a list as one parameter per item, which SQLite refuses beyond
        // 32,766 ("too many SQL variables"): EF.Parameter sends it as one parameter (a JSON array on
        // SQLite, an array on PostgreSQL), the translation an EF Core user picks for a large list.
        var rows = await context.Groups.Where(g => EF.Parameter(_uids).Contains(g.Uid)).OrderBy(g => g.Uid).Take(PageSize + 1).ToListAsync();
        return Checked(Math.Min(rows.Count, PageSize));
    }

    /// <summary>A group row as Dapper maps it: the uid as the driver returns it (uuid on PostgreSQL, text on SQLite).</summary>
    private sealed class GroupRow
    {
        public object Uid { get; set; } = "";

        public string UniqueIdentifier { get; set; } = "";

        public string DisplayName { get; set; } = "";

        public string? Description { get; set; }

        public string? MetadataJson { get; set; }
    }

    private static int Checked(int found) =>
        found == Existing ? found : throw new InvalidOperationException($"Found {found} groups, expected {Existing}.");
}
