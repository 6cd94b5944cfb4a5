"""The person registry: residents with the attributes 惠民 policies ask about; ID numbers encrypted."""
