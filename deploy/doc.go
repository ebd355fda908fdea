// Package deploy holds what it takes to run socpilot serve for every
// Microsoft Sentinel incident: the ARM template of the Logic App that
// forwards the Sentinel incident trigger to the webhook, the automation
// rules that run it, the container image recipe and the roles each identity
// needs (see README.md and ROLES.md in this directory).
//
// The package has no code: its tests check that the templates are valid
// ARM deployment templates and that the body the Logic App sends is what
// automation.DecodeTrigger accepts.
package deploy
