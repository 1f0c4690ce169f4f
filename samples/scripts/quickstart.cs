#:package PortfolioGroups.Core@0.1.0
#:property WarningsNotAsErrors=IL2104;IL3000

// The quickstart: the whole story of the library on a SQLite file in the working directory.
// Run it twice: it prints the same story, because every step is idempotent or undone by a later one.
// Two ways to run it, both from the repository root:
//   dotnet run samples/scripts/quickstart.cs                  (a file-based app: NativeAOT settings, dynamic code off)
//   dotnet run --project samples/PortfolioGroups.Quickstart   (a project that compiles this same file)
// As a file-based app it uses the packed package, as a user's script would: `dotnet pack -c Release -o
// artifacts/packages` first; nuget.config beside this file adds that folder as a package source. The
// sample project ignores the directives above and references the library's source instead.
// `dotnet publish` of this file makes a NativeAOT executable. FluentMigrator 8.0.1 is not annotated for
// trimming, so the publish reports its trim warnings (IL2104, IL3000); the repository's warnings-as-
// errors would stop the publish on them, hence the property above. The library keeps what
// FluentMigrator looks up by reflection, and the NativeAOT test runs this story end to end.
using PortfolioGroups;

// <quickstart>
await using var store = await PortfolioStore.OpenSqliteAsync("Data Source=portfolios.db");

var btc = await Portfolio.AddAsync(store, "btc-momentum", displayName: "BTC momentum");
var eth = await Portfolio.AddAsync(store, "eth-carry", displayName: "ETH carry");
var crypto = await PortfolioGroup.AddAsync(store, "crypto", "Crypto portfolios");
var prod = await PortfolioGroup.AddAsync(store, "production", "Production");
var research = await PortfolioGroup.AddAsync(store, "research", "Research");

// One portfolio in several groups; a group named by row, uid or unique identifier.
await crypto.AddPortfolioAsync(btc);
await crypto.AddPortfolioAsync(eth);
await PortfolioGroup.AddPortfolioAsync(store, "production", "btc-momentum");
await research.AddPortfolioAsync(btc.Uid);

Console.WriteLine($"Portfolios in crypto: {Names(await crypto.GetPortfoliosAsync())}");
Console.WriteLine($"Groups of btc-momentum: {Names(await PortfolioGroup.GetGroupsForPortfolioAsync(store, "btc-momentum"))}");

// Remove one membership: both the group and the portfolio remain.
var removed = await prod.RemovePortfolioAsync(btc);
Console.WriteLine($"Removed btc-momentum from production: {removed}");
Console.WriteLine($"Groups of btc-momentum: {Names(await btc.GetGroupsAsync())}");

// Delete a group: only its memberships go; its portfolios remain.
await research.DeleteAsync();
Console.WriteLine($"Deleted research; btc-momentum still exists: {await Portfolio.FindAsync(store, "btc-momentum") is not null}");
Console.WriteLine($"Groups of btc-momentum: {Names(await btc.GetGroupsAsync())}");
Console.WriteLine($"All groups: {Names(await PortfolioGroup.FilterAsync(store))}");

// Prints unique identifiers in a stable order (listings are ordered by uid).
static string Names(IEnumerable<object> rows) =>
    string.Join(", ", rows.Select(r => r is Portfolio p ? p.UniqueIdentifier : ((PortfolioGroup)r).UniqueIdentifier).Order(StringComparer.Ordinal));
// </quickstart>
