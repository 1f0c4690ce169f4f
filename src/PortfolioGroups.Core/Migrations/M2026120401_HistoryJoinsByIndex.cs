using FluentMigrator;
using PortfolioGroups.Schema;

namespace PortfolioGroups.Migrations;

/// <summary>
/// PostgreSQL: the history's insert and update functions, and the identifiers' update function,
/// join the written rows to the group, portfolio and identifier tables by index lookups only:
/// sequential scans, bitmap scans, hash joins and merge joins are off while they run. A trigger
/// function's plans are kept by its session, made when it first runs there and sized for the
/// transition table it had then. A session whose first add was a bulk add (thousands of rows) kept
/// a plan that hashed the whole identifier table, and ran it for every single add after it: with
/// 100,000 to 200,000 portfolios in groups, a single add took 60-150 ms instead of 1 ms, until the next
/// analyze. Looked up by index, a bulk add costs about what it did (three rounds of 100,000 rows,
/// either way, within each other's noise) and a single add never reads a whole table.
/// </summary>
/// <remarks>
/// The settings are attached to the functions (<c>ALTER FUNCTION ... SET</c>), so the triggers, on a
/// partitioned membership table too, keep calling them. The delete function is left as it is: its
/// lookup is a lateral read of each removed row's pair, which no hash join replaces. SQLite: nothing
/// changes; its row triggers look each row up by index. <c>Down()</c> resets the settings this
/// version added. Shipped: never edit; change the schema in a new migration.
/// </remarks>
[Migration(Version, "PostgreSQL: the history's insert and update functions join by index lookups only, so a session's plan made for a bulk add never has a single add read a whole table")]
internal sealed class M2026120401_HistoryJoinsByIndex(MigrationTarget target) : Migration
{
    public const long Version = 2026120401;

    /// <summary>The settings this version adds to the insert function and the identifiers' update function, as PostgreSQL lists them.</summary>
    internal const string Settings = "enable_seqscan=off,enable_bitmapscan=off,enable_hashjoin=off,enable_mergejoin=off";

    /// <summary>The settings this version adds to each function: the update function already had the first two (2026120303).</summary>
    private static IEnumerable<(string Function, string[] Settings)> Changes =>
    [
        (SchemaModel.HistoryTriggers[0], ["enable_seqscan", "enable_bitmapscan", "enable_hashjoin", "enable_mergejoin"]),
        (SchemaModel.HistoryTriggers[2], ["enable_hashjoin", "enable_mergejoin"]),
        (SchemaModel.HistoryIdentifierTriggers[0], ["enable_seqscan", "enable_bitmapscan", "enable_hashjoin", "enable_mergejoin"]),
    ];

    public override void Up()
    {
        if (target.Database.CanAddConstraints)
        {
            foreach (var (function, settings) in Changes)
            {
                Execute.Sql($"ALTER FUNCTION {target.Qualified(function)}() {string.Join(" ", settings.Select(s => $"SET {s} = off"))}");
            }
        }
    }

    public override void Down()
    {
        if (target.Database.CanAddConstraints)
        {
            foreach (var (function, settings) in Changes)
            {
                Execute.Sql($"ALTER FUNCTION {target.Qualified(function)}() {string.Join(" ", settings.Select(s => $"RESET {s}"))}");
            }
        }
    }
}
