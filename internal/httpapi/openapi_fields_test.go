package httpapi_test

import "net/http"

// fieldExchanges covers the field catalogue and reveals.
func fieldExchanges(c *liveClient) {
	c.call("GET", "/fields?object=customer", nil, http.StatusOK)
	c.call("POST", "/fields", obj{"object": "customer", "key": "tax_id", "label_zh": "税号", "label_en": "Tax ID",
		"type": "text", "sensitive": true, "mask": "id_number"}, http.StatusCreated)
	c.call("PATCH", "/fields/customer/tax_id", obj{"label_en": "Tax number"}, http.StatusOK)
	cust := num(c.call("POST", "/customers", obj{"name": "Fields Co", "phone": "13800001111"}, http.StatusCreated)["id"])
	c.call("PATCH", path("/customers/%d", cust), obj{"custom": obj{"tax_id": "91310000MA1FL4XX3K"}}, http.StatusOK)
	c.call("POST", path("/customers/%d/reveal", cust), obj{"fields": []string{"phone", "custom.tax_id"}}, http.StatusOK)
	contact := num(c.call("POST", path("/customers/%d/contacts", cust), obj{"name": "Wang Fang", "phone": "13900001111"}, http.StatusCreated)["id"])
	c.call("POST", path("/contacts/%d/reveal", contact), obj{"fields": []string{"phone"}}, http.StatusOK)
	c.call("DELETE", "/fields/customer/tax_id", nil, http.StatusNoContent)
}
