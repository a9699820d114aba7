def rule_tests(model):
    return []
