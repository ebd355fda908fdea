package attack

// Tactic is one ATT&CK tactic: the attacker's goal at a stage of an intrusion.
type Tactic struct {
	// ID is the ATT&CK id, such as "TA0006".
	ID string
	// Name is ATT&CK's display name, such as "Credential Access".
	Name string
	// SentinelName is the spelling of Sentinel's AttackTactic enum, such as
	// "CredentialAccess".
	SentinelName string
	// Description says in a few sentences what the attacker is doing and why a
	// SOC cares.
	Description string
	// Order is the tactic's position in the Enterprise kill chain, 1
	// (Reconnaissance) to 14 (Impact). It is 0 for the ICS tactics that
	// Sentinel's enum also carries; see Enterprise.
	Order int
}

// Enterprise reports whether t belongs to the ATT&CK Enterprise matrix. Sentinel's
// AttackTactic enum also holds two ATT&CK for ICS tactics (ImpairProcessControl,
// InhibitResponseFunction); they resolve, but have no place in the Enterprise kill
// chain and no Enterprise techniques.
func (t Tactic) Enterprise() bool { return t.Order > 0 }

// URL is the tactic's page on the ATT&CK website.
func (t Tactic) URL() string { return "https://attack.mitre.org/tactics/" + t.ID + "/" }

// tacticDef is a tactic plus the short key techniques.txt uses for it.
type tacticDef struct {
	key string
	Tactic
}

// tacticDefs lists the Enterprise tactics in kill-chain order, then the ICS tactics
// that Sentinel's AttackTactic enum carries. Descriptions are our own words.
var tacticDefs = []tacticDef{
	{"recon", Tactic{"TA0043", "Reconnaissance", "Reconnaissance",
		"The attacker gathers information about the organisation, its people and its exposed systems to plan an attack. " +
			"Most of it happens outside the SOC's view; what shows up is scanning and probing of internet-facing services.", 1}},
	{"resdev", Tactic{"TA0042", "Resource Development", "ResourceDevelopment",
		"The attacker sets up what the operation needs: domains, servers, accounts, malware, certificates. " +
			"It happens on the attacker's side, so it reaches a SOC mostly through threat intelligence on the infrastructure.", 2}},
	{"initial", Tactic{"TA0001", "Initial Access", "InitialAccess",
		"The attacker gets a first foothold, through phishing, an exposed service, stolen credentials or a trusted third party. " +
			"Catching it here stops the intrusion before it spreads.", 3}},
	{"exec", Tactic{"TA0002", "Execution", "Execution",
		"The attacker runs their own code or commands on a system, through scripts, interpreters, services or user actions. " +
			"It is where payloads become visible to endpoint telemetry.", 4}},
	{"persist", Tactic{"TA0003", "Persistence", "Persistence",
		"The attacker makes sure access survives reboots, password changes and clean-up, through new accounts, autostarts, services or tokens. " +
			"Missed persistence is why eradicated intrusions come back.", 5}},
	{"privesc", Tactic{"TA0004", "Privilege Escalation", "PrivilegeEscalation",
		"The attacker gains higher rights, such as local admin, SYSTEM, domain admin or a privileged cloud role. " +
			"It multiplies the damage every later step can do.", 6}},
	{"evasion", Tactic{"TA0005", "Defense Evasion", "DefenseEvasion",
		"The attacker avoids detection by hiding, disguising or disabling defences and logging. " +
			"It directly undermines the SOC's visibility, so its signals deserve quick attention.", 7}},
	{"cred", Tactic{"TA0006", "Credential Access", "CredentialAccess",
		"The attacker steals account names, passwords, hashes, tickets or tokens. " +
			"Stolen credentials let them move and persist as legitimate users, which is hard to tell apart from normal work.", 8}},
	{"disc", Tactic{"TA0007", "Discovery", "Discovery",
		"The attacker explores the environment from inside: accounts, hosts, shares, permissions, security tools. " +
			"Bursts of enumeration are a common sign that someone new is finding their way around.", 9}},
	{"lateral", Tactic{"TA0008", "Lateral Movement", "LateralMovement",
		"The attacker moves from the first system to others, usually with remote services and stolen credentials. " +
			"It widens the scope of the incident and of the response.", 10}},
	{"coll", Tactic{"TA0009", "Collection", "Collection",
		"The attacker gathers the data they came for, from files, mailboxes, repositories or screens, often staging it in one place. " +
			"It points at what the attacker is after.", 11}},
	{"c2", Tactic{"TA0011", "Command and Control", "CommandAndControl",
		"The attacker keeps a channel to talk to compromised systems, often disguised as normal web or DNS traffic. " +
			"Cutting it blinds and strands the attacker.", 12}},
	{"exfil", Tactic{"TA0010", "Exfiltration", "Exfiltration",
		"The attacker takes data out of the environment, over the control channel, web services or other routes. " +
			"It turns an intrusion into a data breach with legal and business consequences.", 13}},
	{"impact", Tactic{"TA0040", "Impact", "Impact",
		"The attacker disrupts, destroys or manipulates systems and data, for example with ransomware, wiping or service outages. " +
			"It is the business damage the rest of the chain leads to.", 14}},
	// ATT&CK for ICS tactics present in Sentinel's AttackTactic enum.
	{"", Tactic{"TA0106", "Impair Process Control", "ImpairProcessControl",
		"An ATT&CK for ICS tactic: the attacker manipulates or disables an industrial control process. " +
			"It is outside the Enterprise matrix but may appear on Sentinel incidents from OT sensors.", 0}},
	{"", Tactic{"TA0107", "Inhibit Response Function", "InhibitResponseFunction",
		"An ATT&CK for ICS tactic: the attacker stops safety and protection functions from responding to a failure. " +
			"It is outside the Enterprise matrix but may appear on Sentinel incidents from OT sensors.", 0}},
}

// tacticAliases maps other spellings, already reduced by nameKey, to a tactic ID.
var tacticAliases = map[string]string{
	// PRE-ATT&CK was retired in ATT&CK v8 and its content folded into
	// Reconnaissance and Resource Development; Sentinel still offers PreAttack.
	// Reconnaissance is the first stage of what it covered.
	"preattack": "TA0043",
	"preattck":  "TA0043", // "PRE-ATT&CK" with the ampersand dropped
	"recon":     "TA0043",
	"c2":        "TA0011",
	"cnc":       "TA0011",
	// "Command & Control" loses its ampersand to nameKey.
	"commandcontrol": "TA0011",
	"privesc":        "TA0004",
	"exfil":          "TA0010",
}
