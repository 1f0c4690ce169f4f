namespace PortfolioGroups;

/// <summary>The SQL the pending migrations would run, produced without running it (<see cref="PortfolioStore.ScriptMigrationsAsync"/>).</summary>
/// <param name="Status">The migration state the script was made from: its pending versions are the ones scripted.</param>
/// <param name="Sql">The statements, in order, with a comment naming each migration; empty when nothing is pending.</param>
public sealed record MigrationScript(MigrationStatus Status, string Sql);
