package socpilot

// Value is the most telling value of an entity: the one an analyst
// searches for (a UPN rather than a display name, an address, a hash).
func (e Entity) Value() string {
	keys := entityKeys[e.Kind]
	for _, k := range keys {
		if v := e.Prop(k); v != "" {
			if e.Kind == KindAccount && k == "accountName" && e.Prop("upnSuffix") != "" {
				return v + "@" + e.Prop("upnSuffix")
			}
			if e.Kind == KindHost && k == "hostName" && e.Prop("dnsDomain") != "" {
				return v + "." + e.Prop("dnsDomain")
			}
			return v
		}
	}
	if v := e.FriendlyName(); v != "" {
		return v
	}
	return e.Name
}

var entityKeys = map[string][]string{
	KindAccount:          {"userPrincipalName", "accountName", "displayName", "aadUserId", "sid"},
	KindHost:             {"fqdn", "hostName", "netBiosName", "azureID"},
	KindIP:               {"address"},
	KindURL:              {"url"},
	KindFile:             {"fileName"},
	KindFileHash:         {"hashValue"},
	KindProcess:          {"commandLine", "processId"},
	KindMailMessage:      {"subject", "networkMessageId", "internetMessageId"},
	KindMailbox:          {"mailboxPrimaryAddress", "upn", "displayName"},
	KindCloudApplication: {"appName", "appId", "instanceName"},
	KindAzureResource:    {"resourceId"},
	KindDNSResolution:    {"domainName"},
	KindRegistryKey:      {"key"},
	KindRegistryValue:    {"valueName", "name"},
	KindMalware:          {"malwareName"},
	KindSecurityGroup:    {"distinguishedName", "objectGuid", "sid"},
	KindMailCluster:      {"query", "clusterSourceIdentifier"},
}
