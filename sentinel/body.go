package sentinel

import (
	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
)

func readAll(re *azcore.ResponseError) []byte {
	b, err := runtime.Payload(re.RawResponse)
	if err != nil {
		return nil
	}
	return b
}
