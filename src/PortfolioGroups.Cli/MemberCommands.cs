using System.CommandLine;

namespace PortfolioGroups.Cli;

/// <summary><c>members list | add | remove | set | history</c>: the portfolios of one group.</summary>
internal static class MemberCommands
{
    public static Command Create()
    {
        var group = new Argument<string>("group") { Description = "The group's unique identifier." };
        var portfolios = new Argument<string[]>("portfolios") { Description = "Portfolio unique identifiers.", Arity = ArgumentArity.OneOrMore };
        var anyPortfolios = new Argument<string[]>("portfolios") { Description = "Portfolio unique identifiers: the group's new members (none empties it).", Arity = ArgumentArity.ZeroOrMore };

        var asOf = Instants.Option("--as-of", "List the members the group had at this instant, from the membership history (the group may be named by an identifier it had then).");
        var list = new Command("list", "List the portfolios in a group, now or as of an earlier instant.") { group, asOf };
        list.SetAction((parse, ct) => parse.GetValue(asOf) is { } instant
            ? ListAsOfAsync(parse, parse.GetRequiredValue(group), instant, ct)
            : ListAsync(parse, parse.GetRequiredValue(group), ct));

        var add = new Command("add", "Put portfolios in a group (idempotent; one transaction).") { group, portfolios };
        add.SetAction((parse, ct) => AddAsync(parse, parse.GetRequiredValue(group), parse.GetRequiredValue(portfolios), ct));

        var remove = new Command("remove", "Take portfolios out of a group (they remain as portfolios).") { group, portfolios };
        remove.SetAction((parse, ct) => RemoveAsync(parse, parse.GetRequiredValue(group), parse.GetRequiredValue(portfolios), ct));

        var set = new Command("set", "Make these portfolios the group's only members (one transaction).") { group, anyPortfolios };
        set.SetAction((parse, ct) => SetAsync(parse, parse.GetRequiredValue(group), parse.GetValue(anyPortfolios) ?? [], ct));

        return new Command("members", "List and edit the portfolios of a group, and list its membership history.") { list, add, remove, set, HistoryCommands.CreateMembersHistory() };
    }

    private static async Task<int> ListAsync(ParseResult parse, string groupId, CancellationToken ct)
    {
        await using var store = await Settings.OpenAsync(parse, forMigrate: false, ct);
        var group = await PortfolioGroup.GetAsync(store, groupId, ct);
        var members = PortfolioGroup.StreamPortfoliosAsync(store, group, ct);
        if (Output.IsJson(parse))
        {
            await Output.WriteJsonArrayAsync(
                members,
                (json, portfolio) =>
                {
                    json.WriteStartObject();
                    json.WriteString("uid", portfolio.Uid);
                    json.WriteString("unique_identifier", portfolio.UniqueIdentifier);
                    json.WriteString("display_name", portfolio.DisplayName);
                    json.WriteEndObject();
                },
                ct);
            return ExitCodes.Success;
        }

        await Output.Text.WriteLineAsync("portfolio\tdisplay name");
        await foreach (var portfolio in members)
        {
            await Output.Text.WriteLineAsync($"{portfolio.UniqueIdentifier}\t{portfolio.DisplayName}");
        }

        return ExitCodes.Success;
    }

    private static async Task<int> ListAsOfAsync(ParseResult parse, string groupId, DateTimeOffset asOf, CancellationToken ct)
    {
        await using var store = await Settings.OpenAsync(parse, forMigrate: false, ct);
        var members = PortfolioGroup.StreamPortfoliosAsync(store, groupId, asOf, ct);
        if (Output.IsJson(parse))
        {
            await Output.WriteJsonArrayAsync(
                members,
                (json, interval) =>
                {
                    json.WriteStartObject();
                    json.WriteString("uid", interval.PortfolioUid);
                    json.WriteString("unique_identifier", interval.PortfolioUniqueIdentifier);
                    json.WriteString("membership_uid", interval.MembershipUid);
                    json.WriteString("valid_from", Instants.Format(interval.ValidFrom));
                    HistoryCommands.WriteInstantOrNull(json, "valid_to", interval.ValidTo);
                    json.WriteEndObject();
                },
                ct);
            return ExitCodes.Success;
        }

        await Output.Text.WriteLineAsync("portfolio\tmember since\tmember until");
        await foreach (var interval in members)
        {
            await Output.Text.WriteLineAsync($"{interval.PortfolioUniqueIdentifier}\t{Instants.Format(interval.ValidFrom)}\t{HistoryCommands.FormatOrEmpty(interval.ValidTo)}");
        }

        return ExitCodes.Success;
    }

    private static async Task<int> AddAsync(ParseResult parse, string group, string[] portfolios, CancellationToken ct)
    {
        await using var store = await Settings.OpenAsync(parse, forMigrate: false, ct);
        var result = await PortfolioGroup.AddPortfoliosAsync(store, group, Refs(portfolios), cancellationToken: ct);
        return await WriteCountsAsync(parse, $"Group '{group}': {result.Added} added, {result.AlreadyPresent} already present.", ct, ("added", result.Added), ("already_present", result.AlreadyPresent));
    }

    private static async Task<int> RemoveAsync(ParseResult parse, string group, string[] portfolios, CancellationToken ct)
    {
        await using var store = await Settings.OpenAsync(parse, forMigrate: false, ct);

        // Named, so an unknown group is an error rather than "0 removed".
        var row = await PortfolioGroup.GetAsync(store, group, ct);
        var scope = new PortfolioGroupMembershipScope { Groups = [row], Portfolios = [.. Refs(portfolios)] };
        var removed = await PortfolioGroupMembership.BulkDeleteAsync(store, scope, ct);
        var named = portfolios.Distinct(StringComparer.Ordinal).Count();
        return await WriteCountsAsync(parse, $"Group '{group}': {removed} removed, {named - removed} were not members.", ct, ("removed", removed), ("not_members", named - removed));
    }

    private static async Task<int> SetAsync(ParseResult parse, string group, string[] portfolios, CancellationToken ct)
    {
        await using var store = await Settings.OpenAsync(parse, forMigrate: false, ct);
        var result = await PortfolioGroup.SetPortfoliosAsync(store, group, Refs(portfolios), ct);
        return await WriteCountsAsync(
            parse,
            $"Group '{group}': {result.Added} added, {result.Removed} removed, {result.Unchanged} unchanged.",
            ct,
            ("added", result.Added),
            ("removed", result.Removed),
            ("unchanged", result.Unchanged));
    }

    private static IEnumerable<PortfolioRef> Refs(IEnumerable<string> identifiers) => identifiers.Select(id => (PortfolioRef)id);

    private static async Task<int> WriteCountsAsync(ParseResult parse, string text, CancellationToken ct, params (string Name, long Value)[] counts)
    {
        if (Output.IsJson(parse))
        {
            await Output.WriteJsonAsync(
                json =>
                {
                    json.WriteStartObject();
                    foreach (var (name, value) in counts)
                    {
                        json.WriteNumber(name, value);
                    }

                    json.WriteEndObject();
                    return Task.CompletedTask;
                },
                ct);
        }
        else
        {
            await Output.Text.WriteLineAsync(text);
        }

        return ExitCodes.Success;
    }
}
