using FunctionsDashboard.DevHost.Hosting;

// DevHost: the function app on Kestrel at http://127.0.0.1:7071, reading the same host.json and local.settings.json
// as Core Tools. See README "Run it locally".
return await DevHostApplication.RunAsync(args);
