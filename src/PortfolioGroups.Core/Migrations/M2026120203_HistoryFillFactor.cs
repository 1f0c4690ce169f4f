using FluentMigrator;

namespace PortfolioGroups.Migrations;

/// <summary>
/// PostgreSQL: leaves half of each new page of <c>portfolio_group_membership_history</c> free
/// (<c>fillfactor = 50</c>), so closing an interval (the <c>UPDATE</c> of its <c>valid_to</c> when a
/// membership is removed) is a heap-only update on the same page, with no new entry in any of the
/// table's indexes. Every interval is written once and updated at most once, so one free slot per
/// row is what it needs. SQLite has no fill factor and updates a row in place; nothing changes there.
/// </summary>
/// <remarks>
/// Pages written before the migration stay full until the table is rewritten (<c>VACUUM FULL</c>);
/// the setting applies to the pages the history grows into.
/// </remarks>
[Migration(Version, "PostgreSQL: fillfactor 50 on the membership history, so closing an interval is a heap-only update")]
internal sealed class M2026120203_HistoryFillFactor(MigrationTarget target) : Migration
{
    public const long Version = 2026120203;

    /// <summary>The fill factor of the history table on PostgreSQL.</summary>
    public const int FillFactor = 50;

    private const string History = "portfolio_group_membership_history";

    public override void Up()
    {
        if (target.Database.CanAddConstraints)
        {
            Execute.Sql($"ALTER TABLE {Qualified} SET (fillfactor = {FillFactor})");
        }
    }

    public override void Down()
    {
        if (target.Database.CanAddConstraints)
        {
            Execute.Sql($"ALTER TABLE {Qualified} RESET (fillfactor)");
        }
    }

    private string Qualified => target.Schema is { } schema ? $"\"{schema}\".\"{History}\"" : $"\"{History}\"";
}
