using PortfolioGroups.HostApp;

return await HostApp.RunAsync(args, Console.Out);
