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

    /// <summary>The planner settings this version turns off in the insert function and the identifiers' update function.</summary>
    private static readonly string[] JoinsByIndex = ["enable_seqscan", "enable_bitmapscan", "enable_hashjoin", "enable_mergejoin"];

    /// <summary>The settings this version adds to the insert function and the identifiers' update function, as PostgreSQL lists them.</summary>
    internal static string Settings { get; } = string.Join(",", JoinsByIndex.Select(s => s + "=off"));

    /// <summary>The settings this version adds to each function: the update function already had the first two (2026120303).</summary>
    private static IEnumerable<(string Function, string[] Settings)> Changes =>
    [
        (SchemaModel.HistoryTriggers[0], JoinsByIndex),
        (SchemaModel.HistoryTriggers[2], JoinsByIndex[2..]),
        (SchemaModel.HistoryIdentifierTriggers[0], JoinsByIndex),
    ];

    public override void Up() => AlterFunctions(setting => $"SET {setting} = off");

    public override void Down() => AlterFunctions(setting => $"RESET {setting}");

    /// <summary>PostgreSQL: one <c>ALTER FUNCTION</c> per function, with a clause per setting; nothing on SQLite.</summary>
    private void AlterFunctions(Func<string, string> clause)
    {
        if (target.Database.CanAddConstraints)
        {
            foreach (var (function, settings) in Changes)
            {
                Execute.Sql($"ALTER FUNCTION {target.Qualified(function)}() {string.Join(" ", settings.Select(clause))}");
            }
        }
    }
}
